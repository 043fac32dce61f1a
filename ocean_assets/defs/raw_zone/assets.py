"""raw_zone assets: the day's funding files landed in the raw zone, and their migration."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.


import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import dagster as dg

from ocean_assets.core.io import sha256_bytes
from ocean_assets.core.raw_zone.landing import Landed, land_files
from ocean_assets.core.raw_zone.migrate import DONE, FileOutcome
from ocean_assets.core.raw_zone.migration_run import DayResult, MigrationRun
from ocean_assets.core.raw_zone.preflight import PreflightError, check_disk
from ocean_assets.dagster_support import (
    REMOTE_RETRY,
    fail_permanently,
    file_metadata,
    run_partition_keys,
)
from ocean_assets.defs.raw_zone.resources import RawZoneResource
from ocean_assets.defs.raw_zone.zone_lock import migration_lock
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions

GROUP = "raw_zone"
MIGRATION_POOL = "raw_zone_migration"
JOB_NAME = "raw_zone_daily"
MIGRATED_FILES = "migrated_files"  # metadata key the sensor reads: {relpath: sha256}
IGNORED_FILES = "ignored_files"  # metadata key the sensor reads: {relpath: rule}
PREVIEW_ROWS = 30
# What both daily assets share: partitions, group, single-run backfills, freshness, ownership.
COMMON = {"partitions_def": daily_partitions, "group_name": GROUP, "backfill_policy": dg.BackfillPolicy.single_run(),
          "freshness_policy": DAILY_FRESHNESS, "owners": ["team:data-platform"], "code_version": "1"}


@dg.asset(
    **COMMON,
    retry_policy=REMOTE_RETRY,
    kinds={"json", "csv"},
    description="Funding files delivered for the day, landed in raw/funding_sources/{source}/.",
)
def raw_funding_files(context: dg.AssetExecutionContext, raw_zone: RawZoneResource,
                      ) -> dg.MaterializeResult:
    zones, source = raw_zone.zones(), raw_zone.source()
    landed = Landed()
    for key in run_partition_keys(context):
        # refused token, missing listing, unsafe names, disk full: one line, no retry
        with fail_permanently(f"drop box {key}: "):
            land_files(zones, source.fetch(dt.date.fromisoformat(key)), into=landed)
    manifest = json.dumps(landed.sha256_by_file, sort_keys=True)
    return dg.MaterializeResult(
        metadata={"files": len(landed.sha256_by_file), "bytes": landed.bytes,
                  **{k: landed.counts.get(k, 0) for k in ("landed", "new_version", "already_present")},
                  "sha256_by_file": dg.MetadataValue.json(landed.sha256_by_file)},
        data_version=dg.DataVersion(sha256_bytes(manifest.encode())),
    )


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


@dg.asset(
    deps=[raw_funding_files],
    **COMMON,
    pool=MIGRATION_POOL,
    kinds={"json", "csv"},
    description="Raw funding files of the day (by arrival date) validated against "
                "funding_data_v1 and copied into transformed/validated or transformed/quarantine.",
)
def validated_funding_files(context: dg.AssetExecutionContext, config: MigrationConfig,
                            raw_zone: RawZoneResource) -> dg.MaterializeResult:
    cfg = raw_zone.settings()
    zones, schema = raw_zone.zones(), raw_zone.schema()
    pre = cfg.get("preflight", {})
    try:
        free = check_disk(zones.data_root, float(pre.get("min_free_fraction", 0.2)))
        with migration_lock(context.instance, context.log, zones, context.run_id,
                            float(pre.get("lock_wait_seconds", 300))), \
                fail_permanently("migration: "):  # disk full: one line, nothing half-written
            run = MigrationRun(zones, schema, raw_zone.partitions(), config.force, config.sources)
            days = [run.migrate_day(key) for key in run_partition_keys(context)]
            run.finish()
    except PreflightError as exc:
        raise dg.Failure(description=f"pre-flight: {exc}", allow_retries=False) from exc
    return _migration_result(context, days, run.stamp, free, zones.data_root)


def _migration_result(context: dg.AssetExecutionContext, days: list[DayResult], stamp: str,
                      free: float, data_root: Path) -> dg.MaterializeResult:
    outcomes = [o for d in days for o in d.outcomes]
    failed = [o for d in days for o in d.failed]
    if failed:
        raise dg.Failure(
            description=f"{len(failed)} file(s) failed checksum verification or could not be "
                        f"read; their previous validated copies were left in place: "
                        + "; ".join(o.message for o in failed[:5]),
            metadata={"failed_files": dg.MetadataValue.json([o.relpath for o in failed])},
        )
    statuses = Counter(o.status for o in outcomes)
    migrated = {o.relpath: o.sha256 for o in outcomes if o.status in DONE}
    ignored = {i["file"]: i["rule"] for d in days for i in d.ignored}
    manifest = json.dumps({o.relpath: [o.sha256, o.zone] for o in outcomes}, sort_keys=True)
    metadata: dict[str, Any] = {
        "files": len(outcomes),
        **{s: statuses.get(s, 0) for s in ("migrated", "replaced", "unchanged", "quarantined")},
        "ignored": len(ignored),
        "duplicate_ids": sum(len(d.duplicate_ids) for d in days),
        "records_validated": sum(o.records for o in outcomes if o.zone == "validated"),
        "bytes": sum(o.size_bytes for o in outcomes),
        "backup_stamp": stamp if any(o.backup for o in outcomes) else "",
        "free_disk_fraction": round(free, 4),
        MIGRATED_FILES: dg.MetadataValue.json(migrated),
        IGNORED_FILES: dg.MetadataValue.json(ignored),
        "files_preview": dg.MetadataValue.md(_preview(outcomes)),
    }
    reports = [d.report for d in days if d.report]
    if len(reports) == 1:
        metadata.update({f"report_{k}": v for k, v in file_metadata(reports[0], data_root).items()})
    context.log.info("raw_zone migration: %s; ignored: %s", dict(statuses), len(ignored))
    return dg.MaterializeResult(metadata=metadata,
                                data_version=dg.DataVersion(sha256_bytes(manifest.encode())))
