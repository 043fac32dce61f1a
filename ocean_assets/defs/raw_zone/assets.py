"""raw_zone assets: the day's funding files landed in the raw zone, and their migration."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.


import datetime as dt
import json
from collections import Counter
from typing import Any

import dagster as dg

from ocean_assets.core.io import atomic_write_bytes, atomic_write_text, sha256_bytes, sha256_file
from ocean_assets.core.raw_zone.backups import new_stamp
from ocean_assets.core.raw_zone.migrate import DONE, FileOutcome, migrate_file
from ocean_assets.core.raw_zone.preflight import (
    PreflightError,
    check_disk,
    check_no_other_migration,
)
from ocean_assets.core.raw_zone.zones import scan_raw
from ocean_assets.dagster_support import (
    REMOTE_RETRY,
    fail_permanently,
    file_metadata,
    run_partition_keys,
)
from ocean_assets.defs.raw_zone.resources import RawZoneResource
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions

GROUP = "raw_zone"
MIGRATION_POOL = "raw_zone_migration"
JOB_NAME = "raw_zone_daily"
MIGRATED_FILES = "migrated_files"  # metadata key the sensor reads: {relpath: sha256}
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
    landed: dict[str, str] = {}
    counts: Counter[str] = Counter()
    total_bytes = 0
    for key in run_partition_keys(context):
        with fail_permanently(f"drop box {key}: "):  # refused token, missing listing
            files = source.fetch(dt.date.fromisoformat(key))
        for f in files:
            path = zones.raw / f.source / f.name
            sha = sha256_bytes(f.data)
            if path.exists() and sha256_file(path) == sha:
                counts["already_present"] += 1
            else:  # a new file, or a new version delivered under the same name
                counts["new_version" if path.exists() else "landed"] += 1
                with fail_permanently():  # disk full: no retry
                    atomic_write_bytes(path, f.data)
            landed[f"{f.source}/{f.name}"] = sha
            total_bytes += len(f.data)
    manifest = json.dumps(landed, sort_keys=True)
    return dg.MaterializeResult(
        metadata={"files": len(landed), "bytes": total_bytes,
                  **{k: counts.get(k, 0) for k in ("landed", "new_version", "already_present")},
                  "sha256_by_file": dg.MetadataValue.json(landed)},
        data_version=dg.DataVersion(sha256_bytes(manifest.encode())),
    )


class MigrationConfig(dg.Config):
    force: bool = False  # re-validate content already migrated (rules changed)
    sources: list[str] = []  # restrict ``force`` to these sources (empty: all)


def active_migration_runs(context: dg.AssetExecutionContext) -> list[str]:
    """Other runs in progress that migrate the raw zone (the pool-of-1 pre-flight)."""
    runs = context.instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    key = context.asset_key
    return [r.run_id for r in runs if r.run_id != context.run_id and (
        r.job_name == JOB_NAME or (r.asset_selection and key in r.asset_selection))]


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
        check_no_other_migration(active_migration_runs(context))
    except PreflightError as exc:
        raise dg.Failure(description=f"pre-flight: {exc}", allow_retries=False) from exc
    stamp = new_stamp()
    forced = set(config.sources)
    outcomes: list[FileOutcome] = []
    reports = []
    for key in run_partition_keys(context):
        day = [migrate_file(zones, raw, schema, stamp,
                            force=config.force and (not forced or raw.source in forced))
               for raw in scan_raw(zones, days={key})]
        outcomes += day
        if not any(o.status == "checksum_mismatch" for o in day):
            report = zones.report_path(key)
            atomic_write_text(report, json.dumps(
                {"day": key, "backup_stamp": stamp, "files": [o.to_dict() for o in day]}, indent=2))
            reports.append(report)
    failed = [o for o in outcomes if o.status == "checksum_mismatch"]
    if failed:
        raise dg.Failure(
            description=f"{len(failed)} file(s) failed checksum verification; their previous "
                        f"validated copies were left in place: " + "; ".join(o.message for o in failed[:5]),
            metadata={"failed_files": dg.MetadataValue.json([o.relpath for o in failed])},
        )
    statuses = Counter(o.status for o in outcomes)
    migrated = {o.relpath: o.sha256 for o in outcomes if o.status in DONE}
    manifest = json.dumps({o.relpath: [o.sha256, o.zone] for o in outcomes}, sort_keys=True)
    metadata: dict[str, Any] = {
        "files": len(outcomes),
        **{s: statuses.get(s, 0) for s in ("migrated", "replaced", "unchanged", "quarantined")},
        "records_validated": sum(o.records for o in outcomes if o.zone == "validated"),
        "bytes": sum(o.size_bytes for o in outcomes),
        "backup_stamp": stamp if any(o.backup for o in outcomes) else "",
        "free_disk_fraction": round(free, 4),
        MIGRATED_FILES: dg.MetadataValue.json(migrated),
        "files_preview": dg.MetadataValue.md(_preview(outcomes)),
    }
    if len(reports) == 1:
        metadata.update({f"report_{k}": v for k, v in file_metadata(reports[0], zones.data_root).items()})
    context.log.info("raw_zone migration: %s", dict(statuses))
    return dg.MaterializeResult(metadata=metadata,
                                data_version=dg.DataVersion(sha256_bytes(manifest.encode())))
