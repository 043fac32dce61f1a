"""``ocean-assets raw-zone ...``: status, rollback, reprocess and archive of the raw-zone migration."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from ocean_assets.config import load_config
from ocean_assets.core.raw_zone.archive import archive_year
from ocean_assets.core.raw_zone.backups import BackupError, list_backups, rollback
from ocean_assets.core.raw_zone.inventory import scan_raw
from ocean_assets.core.raw_zone.lock import busy_message, is_held, recorded_holder
from ocean_assets.core.raw_zone.preflight import PreflightError, check_disk
from ocean_assets.core.raw_zone.status import zone_status
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.settings import get_settings

if TYPE_CHECKING:
    from ocean_assets.defs.raw_zone.zone_lock import Takeover

JOB = "raw_zone_daily"
ASSET = "validated_funding_files"


def _zones() -> Zones:
    return Zones(get_settings().data_root)


def _preflight(zones: Zones) -> None:
    try:
        fraction = load_config("raw_zone")["preflight"]["min_free_fraction"]  # ConfigError: exit 2
        check_disk(zones.data_root, fraction)
    except PreflightError as exc:
        raise click.ClickException(str(exc)) from exc


def _held(zones: Zones) -> bool:
    try:
        return is_held(zones)
    except PreflightError as exc:
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def _locked(zones: Zones, purpose: str) -> Iterator[Takeover]:
    """Hold the raw-zone lock for a command; refuse at once (one line) while another holds it."""
    from ocean_assets.cli._common import get_instance
    from ocean_assets.defs.raw_zone.zone_lock import migration_lock

    try:
        with migration_lock(get_instance(), logging.getLogger(__name__), zones, run_id="",
                            wait_seconds=0, purpose=purpose) as takeover:
            if takeover.failed_run:
                click.echo(f"marked run {takeover.failed_run} failed: its process died holding "
                           "the raw-zone lock")
            yield takeover
    except PreflightError as exc:
        raise click.ClickException(str(exc)) from None


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
    ignored = ", ".join(f"{k}: {v}" for k, v in info["ignored"].items()) or "none"
    console.print(f"ignored raw entries (not migrated): {ignored}")
    lock = info["lock"]
    console.print("lock: " + (f"held by {lock['holder']}" if lock["held"] else
                              f"unknown: {lock['holder']}" if lock["held"] is None else
                              f"free (last holder died: {lock['holder']})" if lock["holder_died"]
                              else "free"), markup=False)


@raw_zone.command("rollback")
@click.option("--to", "stamp", required=True, help="Backup timestamp (see `raw-zone backups`).")
def rollback_cmd(stamp: str) -> None:
    """Restore validated files from backup set TIMESTAMP (files it overwrites are backed up)."""
    zones = _zones()
    _preflight(zones)
    with _locked(zones, "rollback"):
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
    if dry_run:
        result = archive_year(zones, year, dry_run=True)
    else:
        _preflight(zones)
        with _locked(zones, "archive"):
            result = archive_year(zones, year)
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

    from ocean_assets.cli._common import get_instance
    from ocean_assets.defs.raw_zone.resources import current_partitions
    from ocean_assets.location import load_definitions

    zones = _zones()
    files = scan_raw(zones, sources=set(sources) or None, partitions=current_partitions())
    files = [f for f in files if f.arrival in current_partitions()]  # today's wait for tomorrow
    if not files:
        raise click.ClickException(f"no raw files{' for ' + ', '.join(sources) if sources else ''}")
    _preflight(zones)
    if _held(zones):  # the run takes the lock itself; refuse now rather than wait in the run
        raise click.ClickException(busy_message(zones))
    days = sorted({f.arrival for f in files})
    from ocean_assets.dagster_support.common import job_subset

    job = job_subset(load_definitions().resolve_job_def(JOB), [dg.AssetKey(ASSET)])
    result = job.execute_in_process(
        instance=get_instance(),
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


@raw_zone.command("lock")
def lock_cmd() -> None:
    """Show who holds the raw-zone lock (pid, host, run, since when), or that it is free."""
    zones = _zones()
    holder = recorded_holder(zones)
    if _held(zones):
        click.echo(f"held by {holder.describe() if holder else 'a process starting up'}")
    elif holder:
        click.echo(f"free; the last holder, {holder.describe()}, died without releasing it "
                   "(`ocean-assets raw-zone unlock` clears the record and fails its run)")
    else:
        click.echo("free")


@raw_zone.command("unlock")
def unlock_cmd() -> None:
    """Clear the record a dead lock holder left and mark its run failed; refuses while the
    holder is alive (the lock itself is released by the kernel when its process dies)."""
    zones = _zones()
    holder = recorded_holder(zones)
    if _held(zones):
        note = ""
        if holder and holder.alive_here() is False:
            note = (f"; pid {holder.pid} is gone but a process it started still holds the lock "
                    f"(find it with `fuser {zones.lock_path}`)")
        raise click.ClickException(f"{busy_message(zones)}{note}; unlock refuses while the "
                                   "holder is alive")
    with _locked(zones, "unlock") as takeover:
        previous = takeover.previous
    if previous is None:
        click.echo("the raw-zone lock is free; nothing to clear")
    else:
        click.echo(f"cleared the record of {previous.describe()}, which no longer holds the lock")


def register(cli: click.Group) -> None:
    cli.add_command(raw_zone)
