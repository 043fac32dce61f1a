"""The raw-zone sensor: every new or changed raw file becomes a partition and a run; a file whose
sha256 was already migrated (the latest materialization's data version) is skipped."""

from __future__ import annotations

import dagster as dg

from ocean_assets.core.io import sha256_file
from ocean_assets.core.raw_zone.zones import file_key, scan_raw
from ocean_assets.defs.raw_zone.assets import raw_files, validated_funding
from ocean_assets.defs.raw_zone.resources import RawZoneResource


def migrated_version(instance: dg.DagsterInstance, key: str) -> str | None:
    """The data version (raw sha256) of the latest materialization of partition ``key``."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=validated_funding.key, asset_partitions=[key]), limit=1).records
    if not records:
        return None
    return records[0].asset_materialization.tags.get("dagster/data_version")


def pending_files(instance: dg.DagsterInstance, raw_zone: RawZoneResource) -> list[tuple[str, str]]:
    """(partition key, sha256) of raw files not yet migrated at their current content."""
    zones = raw_zone.zones()
    pending = []
    for path in scan_raw(zones, raw_zone.patterns()):
        key, sha = file_key(zones, path), sha256_file(path)
        if migrated_version(instance, key) != sha:
            pending.append((key, sha))
    return pending


@dg.sensor(
    target=[validated_funding],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers new/changed raw files as partitions and requests their migration; "
                "unchanged files (same sha256 as migrated) are skipped.",
)
def raw_zone_sensor(context: dg.SensorEvaluationContext, raw_zone: RawZoneResource):
    limit = int(raw_zone.config().get("sensor", {}).get("max_runs_per_tick", 50))
    pending = pending_files(context.instance, raw_zone)[:limit]
    if not pending:
        return dg.SkipReason("no new or changed raw files")
    known = set(context.instance.get_dynamic_partitions(raw_files.name))
    new_keys = sorted({k for k, _ in pending} - known)
    return dg.SensorResult(
        dynamic_partitions_requests=[raw_files.build_add_request(new_keys)] if new_keys else [],
        run_requests=[dg.RunRequest(partition_key=k, run_key=f"{k}@{sha}", tags={"ocean_assets/raw_sha256": sha})
                      for k, sha in pending],
    )


raw_zone_migrate = dg.define_asset_job(
    "raw_zone_migrate",
    selection=dg.AssetSelection.groups("raw_zone"),
    partitions_def=raw_files,
    tags={"ocean_assets/main_job": "raw_zone"},
    description="Migrate raw funding files (one partition per file).",
)


def prepare_day(instance: dg.DagsterInstance, day, raw_zone: RawZoneResource | None = None) -> list[str]:  # noqa: ANN001
    """For the main command: deliver the day's files (demo), register pending files, return their keys."""
    raw_zone = raw_zone or RawZoneResource()
    raw_zone.source().deliver(raw_zone.zones(), day)
    keys = [k for k, _ in pending_files(instance, raw_zone)]
    known = set(instance.get_dynamic_partitions(raw_files.name))
    new = [k for k in keys if k not in known]
    if new:
        instance.add_dynamic_partitions(raw_files.name, new)
    return keys
