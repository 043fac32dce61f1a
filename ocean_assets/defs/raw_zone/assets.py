"""raw_zone assets: the day's funding files landed in the raw zone, and their migration."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.


import contextlib
import json
from collections import Counter

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
from ocean_assets.dagster_support import Day, DayFailure, DayOutput, daily_asset, fail_permanently
from ocean_assets.defs.raw_zone.resources import RawZoneResource

GROUP = "raw_zone"
MIGRATION_POOL = "raw_zone_migration"
JOB_NAME = "raw_zone_daily"
MIGRATED_FILES = "migrated_files"  # metadata key the sensor reads: {relpath: sha256}
PREVIEW_ROWS = 30


@daily_asset(name="raw_funding_files", group=GROUP, remote=True, kinds={"json", "csv"},
             description="Funding files delivered for the day, landed in raw/funding_sources/{source}/.")
def raw_funding_files(day: Day, raw_zone: RawZoneResource) -> DayOutput:
    zones, source = raw_zone.zones(), raw_zone.source()
    landed: dict[str, str] = {}
    counts: Counter[str] = Counter()
    with fail_permanently(f"drop box {day.key}: "):  # refused token, missing listing
        files = source.fetch(day.date)
    paths = []
    for f in files:
        path = zones.raw / f.source / f.name
        sha = sha256_bytes(f.data)
        if path.exists() and sha256_file(path) == sha:
            counts["already_present"] += 1
        else:  # a new file, or a new version delivered under the same name
            counts["new_version" if path.exists() else "landed"] += 1
            atomic_write_bytes(path, f.data)
        landed[f"{f.source}/{f.name}"] = sha
        paths.append(path)
    manifest = json.dumps(landed, sort_keys=True)
    return DayOutput(version=sha256_bytes(manifest.encode()), metadata={
        "files": len(landed), "bytes": sum(len(f.data) for f in files),
        **{k: counts.get(k, 0) for k in ("landed", "new_version", "already_present")},
        "sha256_by_file": dg.MetadataValue.json(landed)})


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


@contextlib.contextmanager
def _preflight(context: dg.AssetExecutionContext, raw_zone: RawZoneResource):  # noqa: ANN202
    """Disk space and no other migration, once per run; then one backup stamp for the whole run."""
    cfg = raw_zone.settings()
    zones = raw_zone.zones()
    pre = cfg.get("preflight", {})
    try:
        free = check_disk(zones.data_root, float(pre.get("min_free_fraction", 0.2)))
        check_no_other_migration(active_migration_runs(context))
    except PreflightError as exc:
        raise dg.Failure(description=f"pre-flight: {exc}", allow_retries=False) from exc
    yield {"free": free, "stamp": new_stamp()}


@daily_asset(name="validated_funding_files", group=GROUP, deps=[raw_funding_files], pool=MIGRATION_POOL,
             kinds={"json", "csv"}, setup=_preflight, config=MigrationConfig,
             description="Raw funding files of the day (by arrival date) validated against "
                         "funding_data_v1 and copied into transformed/validated or transformed/quarantine.")
def validated_funding_files(day: Day, raw_zone: RawZoneResource) -> DayOutput:
    zones, schema = raw_zone.zones(), raw_zone.schema()
    stamp, config = day.state["stamp"], day.config
    forced = set(config.sources)
    outcomes = [migrate_file(zones, raw, schema, stamp,
                             force=config.force and (not forced or raw.source in forced))
                for raw in scan_raw(zones, days={day.key})]
    failed = [o for o in outcomes if o.status == "checksum_mismatch"]
    if failed:
        raise DayFailure(f"{len(failed)} file(s) failed checksum verification; their previous "
                         f"validated copies were left in place: " + "; ".join(o.message for o in failed[:5]))
    report = zones.report_path(day.key)
    atomic_write_text(report, json.dumps(
        {"day": day.key, "backup_stamp": stamp, "files": [o.to_dict() for o in outcomes]}, indent=2))
    statuses = Counter(o.status for o in outcomes)
    migrated = {o.relpath: o.sha256 for o in outcomes if o.status in DONE}
    manifest = json.dumps({o.relpath: [o.sha256, o.zone] for o in outcomes}, sort_keys=True)
    return DayOutput(files=[report], version=sha256_bytes(manifest.encode()), metadata={
        "files_migrated": len(outcomes),
        **{s: statuses.get(s, 0) for s in ("migrated", "replaced", "unchanged", "quarantined")},
        "records_validated": sum(o.records for o in outcomes if o.zone == "validated"),
        "bytes": sum(o.size_bytes for o in outcomes),
        "backup_stamp": stamp if any(o.backup for o in outcomes) else "",
        "free_disk_fraction": round(day.state["free"], 4),
        MIGRATED_FILES: dg.MetadataValue.json(migrated)},
        preview=_preview(outcomes))
