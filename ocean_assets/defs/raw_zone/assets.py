"""The migration asset: one dynamic partition per raw file ({source}/{file}); data version = the
raw file's sha256, so Dagster's own records say which version of each file was migrated."""

import datetime as dt

import dagster as dg

from ocean_assets.core.raw_zone.migrate import PreflightError, migrate_file, preflight
from ocean_assets.defs.raw_zone.resources import RawZoneResource

raw_files = dg.DynamicPartitionsDefinition(name="raw_files")
MIGRATION_POOL = "raw_zone_migration"  # set its limit to 1: `dagster instance concurrency set raw_zone_migration 1`


@dg.asset(
    group_name="raw_zone",
    partitions_def=raw_files,
    pool=MIGRATION_POOL,
    kinds={"json", "csv"},
    owners=["team:data-platform"],
    code_version="1",
    description="A raw funding file migrated to transformed/validated/{source}/ (schema-valid, checksum-"
                "verified, previous version backed up) or to transformed/quarantine/{source}/ with a "
                "machine-readable reason.",
)
def validated_funding(context: dg.AssetExecutionContext, raw_zone: RawZoneResource) -> dg.MaterializeResult:
    zones = raw_zone.zones()
    key = context.partition_key
    if not zones.raw_file(key).exists():
        raise dg.Failure(f"raw file {key} is gone from {zones.raw} (archived or deleted?)")
    try:
        with preflight(zones, raw_zone.min_free_fraction()):
            result = migrate_file(zones, key, raw_zone.schema(), dt.datetime.now(dt.UTC), raw_zone.max_file_bytes())
    except PreflightError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
    context.log.info(f"{key}: {result.outcome} ({result.records} records){' - ' + result.reason if result.reason else ''}")
    metadata = {
        "outcome": result.outcome,
        "sha256": result.sha256,
        "records": result.records,
        "size_bytes": result.size_bytes,
        "source": key.split("/")[0],
        "destination": str(zones.validated_file(key) if result.outcome != "quarantined"
                           else zones.quarantine_file(key)),
    }
    if result.reason:
        metadata["reason"] = result.reason
        metadata["errors"] = dg.MetadataValue.json(result.errors[:10])
    if result.backup:
        metadata["backup"] = result.backup
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(result.sha256))
