"""``ocean-assets raw-zone``: status, rollback, reprocess, archive and demo data for the migration."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 140)


def _resource():  # noqa: ANN202
    from ocean_assets.defs.raw_zone.resources import RawZoneResource

    return RawZoneResource()


@click.group("raw-zone")
def raw_zone() -> None:
    """Operate the raw -> validated funding-file migration."""


@raw_zone.command("status")
@click.option("--json", "as_json", is_flag=True)
def status_cmd(as_json: bool) -> None:
    """Counts and disk use per zone, quarantined files with reasons, backups available."""
    from ocean_assets.core.raw_zone.operations import status

    info = status(_resource().zones())
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    console = _console()
    table = Table("zone", "files", "MB")
    for zone in ("raw", "validated", "quarantine", "backups", "archive"):
        table.add_row(zone, str(info[zone]["files"]), f"{info[zone]['bytes'] / 1e6:.2f}")
    console.print(table)
    for reason in info["quarantine_reasons"]:
        console.print(f"  quarantined {reason['key']}: {escape(reason['reason'])}")
    console.print(f"backups: {', '.join(info['backups_available']) or 'none'}; "
                  f"disk free {info['disk_free_fraction']:.1%}")


@raw_zone.command("rollback")
@click.option("--to", "to", required=True, help="Backup timestamp (see `raw-zone status`).")
def rollback_cmd(to: str) -> None:
    """Restore the validated files saved in backup TO (byte-identical); the replaced ones are backed up."""
    from ocean_assets.core.raw_zone.operations import rollback

    try:
        result = rollback(_resource().zones(), to, dt.datetime.now(dt.UTC))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {len(result.restored)} file(s) from {to}: {', '.join(result.restored)}")
    if result.saved_as:
        click.echo(f"the replaced versions were backed up as {result.saved_as} (roll back to it to undo)")


@raw_zone.command("archive")
@click.option("--year", type=click.IntRange(1900, 2200), required=True)
def archive_cmd(year: int) -> None:
    """Move raw files of YEAR that were already migrated to raw/_archive/YEAR/ and log it."""
    from ocean_assets.core.raw_zone.operations import archive_year

    r = _resource()
    entry = archive_year(r.zones(), year, r.patterns(), dt.datetime.now(dt.UTC))
    click.echo(f"archived {len(entry['moved'])} file(s) of {year}; "
               f"{len(entry['not_migrated'])} not yet migrated were left in place")


@raw_zone.command("demo-data")
@click.option("--date", "date_", required=True, help="Arrival day of the generated files.")
def demo_data_cmd(date_: str) -> None:
    """Write the demo generator's funding files for one day into the raw zone."""
    from ocean_assets.cli._common import parse_date
    from ocean_assets.sources.raw_zone.demo import DemoRawFiles

    r = _resource()
    demo = r.config().get("demo", {})
    paths = DemoRawFiles(list(demo.get("sources", [])), int(demo.get("files_per_day", 3))).deliver(
        r.zones(), parse_date(date_))
    click.echo(f"{len(paths)} file(s) in {r.zones().raw}")


@raw_zone.command("reprocess")
@click.option("--source", help="Only this source's files.")
@click.option("--all", "all_files", is_flag=True, help="Every raw file, even ones already migrated.")
def reprocess_cmd(source: str | None, all_files: bool) -> None:
    """Re-run files through the migration (e.g. after the rules changed), through Dagster in-process.

    Without --all: files that are new, changed or quarantined. With --all: every file.
    """
    from ocean_assets.cli._common import get_instance, load_definitions
    from ocean_assets.cli._progress import progress
    from ocean_assets.cli.materialize import QUIET_LOGS
    from ocean_assets.core.raw_zone.zones import file_key, scan_raw
    from ocean_assets.defs.raw_zone.assets import raw_files
    from ocean_assets.defs.raw_zone.sensors import pending_files

    r = _resource()
    zones = r.zones()
    instance = get_instance()
    if all_files:
        keys = [file_key(zones, p) for p in scan_raw(zones, r.patterns())]
    else:
        keys = sorted({k for k, _ in pending_files(instance, r)}
                      | {file_key(zones, p) for p in scan_raw(zones, r.patterns()) if zones.reason_file(file_key(zones, p)).exists()})
    if source:
        keys = [k for k in keys if k.split("/")[0] == source]
    if not keys:
        click.echo("nothing to reprocess")
        return
    known = set(instance.get_dynamic_partitions(raw_files.name))
    if new := [k for k in keys if k not in known]:
        instance.add_dynamic_partitions(raw_files.name, new)
    job = load_definitions().resolve_job_def("raw_zone_migrate")
    outcomes: dict[str, int] = {}
    failed = []
    with progress(len(keys), "reprocessing", enabled=sys.stderr.isatty()) as advance:
        for key in keys:
            result = job.execute_in_process(instance=instance, partition_key=key, raise_on_error=False,
                                            run_config=QUIET_LOGS)
            if not result.success:
                failed.append(key)
            else:
                mat = result.asset_materializations_for_node("validated_funding")[0]
                outcome = mat.metadata["outcome"].value
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            advance()
    table = Table("outcome", "files")
    for outcome, count in sorted(outcomes.items()):
        table.add_row(outcome, str(count))
    if failed:
        table.add_row("[red]run failed[/red]", str(len(failed)))
    _console().print(table)
    sys.exit(1 if failed else 0)


def register(cli: click.Group) -> None:
    cli.add_command(raw_zone)
