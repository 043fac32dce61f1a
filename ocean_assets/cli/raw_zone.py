"""``ocean-assets raw-zone ...``: status, rollback, reprocess and archive of the raw-zone migration."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from ocean_assets.config import ConfigError, load_config
from ocean_assets.core.raw_zone.archive import archive_year
from ocean_assets.core.raw_zone.backups import BackupError, list_backups, rollback
from ocean_assets.core.raw_zone.preflight import (
    PreflightError,
    check_disk,
    check_no_other_migration,
)
from ocean_assets.core.raw_zone.status import zone_status
from ocean_assets.core.raw_zone.zones import Zones, scan_raw
from ocean_assets.settings import get_settings

JOB = "raw_zone_daily"
ASSET = "validated_funding_files"


def _zones() -> Zones:
    return Zones(get_settings().data_root)


def _active_runs() -> list[str]:
    import dagster as dg

    from ocean_assets.cli._common import get_instance

    runs = get_instance().get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    key = dg.AssetKey(ASSET)
    return [r.run_id for r in runs
            if r.job_name == JOB or (r.asset_selection and key in r.asset_selection)]


def _preflight(zones: Zones) -> None:
    try:
        fraction = load_config("raw_zone").get("preflight", {}).get("min_free_fraction", 0.2)
        check_disk(zones.data_root, float(fraction))
        check_no_other_migration(_active_runs())
    except (PreflightError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


@click.group("raw-zone")
def raw_zone() -> None:
    """Raw -> validated migration of funding files: status, rollback, reprocess, archive."""


@raw_zone.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def status(as_json: bool) -> None:
    """Counts per source and zone, quarantine reasons, backups and disk use."""
    info = zone_status(_zones())
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    console = Console()
    table = Table("source", "raw", "validated", "quarantine", title="raw zone")
    for source in info["sources"]:
        table.add_row(source, *(str(info[z].get(source, 0)) for z in ("raw", "validated", "quarantine")))
    console.print(table)
    rules = ", ".join(f"{k}: {v}" for k, v in info["quarantine_rules"].items()) or "none"
    console.print(f"quarantine reasons: {rules}")
    for failure in info["failures"][:10]:
        console.print(f"  [red]{failure['file']}[/red]: {failure['first_problem']}")
    console.print(f"backups: {info['backups']['count']} (latest {info['backups']['latest']}); "
                  f"archived files: {info['archived_files']}")
    disk = ", ".join(f"{k} {_size(v)}" for k, v in info["disk_bytes"].items())
    console.print(f"disk use: {disk}; free: {info['free_fraction']:.1%}")


@raw_zone.command("rollback")
@click.option("--to", "stamp", required=True, help="Backup timestamp (see `raw-zone backups`).")
def rollback_cmd(stamp: str) -> None:
    """Restore validated files from backup set TIMESTAMP (files it overwrites are backed up)."""
    zones = _zones()
    _preflight(zones)
    try:
        restored = rollback(zones, stamp)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in restored:
        note = f" (previous copy kept in backup {item.safety_backup})" if item.safety_backup else ""
        click.echo(f"restored {item.relpath} sha256 {item.sha256[:12]}{note}")
    click.echo(f"{len(restored)} file(s) restored from {stamp}")


@raw_zone.command("backups")
def backups_cmd() -> None:
    """List backup timestamps, oldest first."""
    stamps = list_backups(_zones())
    click.echo("\n".join(stamps) if stamps else "no backups yet")


@raw_zone.command("archive")
@click.option("--year", type=click.IntRange(1900, 2200), required=True)
@click.option("--dry-run", is_flag=True, help="Only list what would move.")
def archive_cmd(year: int, dry_run: bool) -> None:
    """Move YEAR's already-migrated raw files to raw/_archive/YEAR/ and log it."""
    zones = _zones()
    if not dry_run:
        _preflight(zones)
    result = archive_year(zones, year, dry_run=dry_run)
    verb = "would move" if dry_run else "moved"
    for item in result.moved:
        click.echo(f"{verb} {item['file']} -> {item['to']}")
    for relpath in result.kept:
        click.echo(f"kept {relpath} (not migrated yet)")
    click.echo(f"{len(result.moved)} file(s) {verb}, {len(result.kept)} kept"
               + ("" if dry_run or not result.moved else f"; logged in {zones.archive_log}"))


@raw_zone.command("reprocess")
@click.option("--source", "sources", multiple=True, help="Only files of this source (repeatable).")
def reprocess(sources: tuple[str, ...]) -> None:
    """Re-validate raw files already migrated (after rule changes), in one range run."""
    import dagster as dg

    from ocean_assets.cli._common import get_instance, load_definitions

    zones = _zones()
    files = scan_raw(zones, sources=set(sources) or None)
    if not files:
        raise click.ClickException(f"no raw files{' for ' + ', '.join(sources) if sources else ''}")
    _preflight(zones)
    days = sorted({f.arrival for f in files})
    job = load_definitions().resolve_job_def(JOB)
    result = job.execute_in_process(
        instance=get_instance(),
        asset_selection=[dg.AssetKey(ASSET)],
        run_config={"ops": {ASSET: {"config": {"force": True, "sources": list(sources)}}}},
        tags={"dagster/asset_partition_range_start": days[0],
              "dagster/asset_partition_range_end": days[-1]},
        raise_on_error=False,
    )
    mats = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    meta = mats[0].event_specific_data.materialization.metadata if mats else {}
    counts = {k: getattr(meta.get(k), "value", 0) for k in
              ("migrated", "replaced", "unchanged", "quarantined")}
    click.echo(f"reprocessed {len(files)} file(s) over {days[0]}..{days[-1]}: {counts}")
    if not result.success:
        errors = [e.event_specific_data.error.message.strip() for e in result.all_events
                  if e.event_type_value == "STEP_FAILURE" and e.event_specific_data.error]
        raise click.ClickException("reprocess failed: " + ("; ".join(errors) or "see the run log"))


def register(cli: click.Group) -> None:
    cli.add_command(raw_zone)
