"""raw_zone assets: the day's funding files landed in the raw zone, and their migration.

Each asset is a function of one day; ``daily_asset`` runs it over the run's days with per-day truth.
The migration holds the raw-zone lock (a real lock, held by a live process) for the whole run."""

import contextlib
import json
from collections import Counter

import dagster as dg

from ocean_assets.core.io import sha256_bytes
from ocean_assets.core.raw_zone.landing import Landed, land_files
from ocean_assets.core.raw_zone.migrate import DONE, FileOutcome
from ocean_assets.core.raw_zone.migration_run import MigrationRun
from ocean_assets.core.raw_zone.preflight import PreflightError, check_disk
from ocean_assets.dagster_support import Day, DayFailure, DayOutput, daily_asset, fail_permanently
from ocean_assets.defs.raw_zone.resources import RawZoneResource
from ocean_assets.defs.raw_zone.zone_lock import migration_lock

GROUP = "raw_zone"
MIGRATION_POOL = "raw_zone_migration"
JOB_NAME = "raw_zone_daily"
MIGRATED_FILES = "migrated_files"  # metadata key the sensor reads: {relpath: sha256}
IGNORED_FILES = "ignored_files"  # metadata key the sensor reads: {relpath: rule}
PREVIEW_ROWS = 30


@daily_asset(name="raw_funding_files", group=GROUP, remote=True, kinds={"json", "csv"},
             description="Funding files delivered for the day, landed in raw/funding_sources/{source}/.")
def raw_funding_files(day: Day, raw_zone: RawZoneResource) -> DayOutput:
    zones, source = raw_zone.zones(), raw_zone.source()
    landed = Landed()
    # refused token, missing listing, unsafe names, disk full: one line, no retry
    with fail_permanently(f"drop box {day.key}: "):
        land_files(zones, source.fetch(day.date), into=landed)
    manifest = json.dumps(landed.sha256_by_file, sort_keys=True)
    return DayOutput(version=sha256_bytes(manifest.encode()), metadata={
        "files": len(landed.sha256_by_file), "bytes": landed.bytes,
        **{k: landed.counts.get(k, 0) for k in ("landed", "new_version", "already_present")},
        "sha256_by_file": dg.MetadataValue.json(landed.sha256_by_file)})


class MigrationConfig(dg.Config):
    force: bool = False  # re-validate content already migrated (rules changed)
    sources: list[str] = []  # restrict ``force`` to these sources (empty: all)


def _preview(outcomes: list[FileOutcome]) -> str:
    lines = ["| file | status | records | problems | message |", "|---|---|---|---|---|"]
    for o in outcomes[:PREVIEW_ROWS]:
        lines.append(f"| {o.relpath} | {o.status} | {o.records} | {o.problems} | "
                     f"{o.message.replace('|', '/')[:80]} |")
    if len(outcomes) > PREVIEW_ROWS:
        lines.append(f"| ... {len(outcomes) - PREVIEW_ROWS} more | | | | |")
    return "\n".join(lines)


@contextlib.contextmanager
def _migration(context: dg.AssetExecutionContext, raw_zone: RawZoneResource):  # noqa: ANN202
    """Pre-flight (disk), the raw-zone lock, and one MigrationRun (one backup stamp) for the run."""
    pre = raw_zone.settings()["preflight"]
    zones, schema = raw_zone.zones(), raw_zone.schema()
    config = MigrationConfig(**(context.op_execution_context.op_config or {}))
    try:
        free = check_disk(zones.data_root, pre["min_free_fraction"])
        with migration_lock(context.instance, context.log, zones, context.run_id,
                            pre["lock_wait_seconds"]):
            run = MigrationRun(zones, schema, raw_zone.partitions(), config.force, config.sources)
            try:
                yield {"run": run, "free": free}
            finally:
                run.finish()  # the record ids of the days done, whatever happened to the others
    except PreflightError as exc:
        raise dg.Failure(description=f"pre-flight: {exc}", allow_retries=False) from exc


@daily_asset(name="validated_funding_files", group=GROUP, deps=[raw_funding_files], pool=MIGRATION_POOL,
             kinds={"json", "csv"}, setup=_migration, config=MigrationConfig,
             description="Raw funding files of the day (by arrival date) validated against "
                         "funding_data_v1 and copied into transformed/validated or transformed/quarantine.")
def validated_funding_files(day: Day, raw_zone: RawZoneResource) -> DayOutput:
    run: MigrationRun = day.state["run"]
    with fail_permanently("migration: "):  # disk full: one line, nothing half-written
        result = run.migrate_day(day.key)
    if result.failed:
        raise DayFailure(f"{len(result.failed)} file(s) failed checksum verification or could not be read; "
                         "their previous validated copies were left in place: "
                         + "; ".join(o.message for o in result.failed[:5]))
    outcomes = result.outcomes
    statuses = Counter(o.status for o in outcomes)
    migrated = {o.relpath: o.sha256 for o in outcomes if o.status in DONE}
    ignored = {i["file"]: i["rule"] for i in result.ignored}
    manifest = json.dumps({o.relpath: [o.sha256, o.zone] for o in outcomes}, sort_keys=True)
    return DayOutput(
        files=[result.report] if result.report else [], version=sha256_bytes(manifest.encode()),
        metadata={
            "files_migrated": len(outcomes),
            **{s: statuses.get(s, 0) for s in ("migrated", "replaced", "unchanged", "quarantined")},
            "ignored": len(ignored), "duplicate_ids": len(result.duplicate_ids),
            "records_validated": sum(o.records for o in outcomes if o.zone == "validated"),
            "bytes": sum(o.size_bytes for o in outcomes),
            "backup_stamp": run.stamp if any(o.backup for o in outcomes) else "",
            "free_disk_fraction": round(day.state["free"], 4),
            MIGRATED_FILES: dg.MetadataValue.json(migrated),
            IGNORED_FILES: dg.MetadataValue.json(ignored)},
        preview=_preview(outcomes))
