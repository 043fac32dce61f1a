"""Platform commands: ``doctor`` (configuration, environment, storage, database, dependencies) and ``vacuum``."""

from __future__ import annotations

import json
import sys

import click

from ocean_assets.core.redact import redact_url
from ocean_assets.settings import get_settings


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the check results as JSON.")
def doctor(as_json: bool) -> None:
    """Print the environment (docs/configuration.md's table, current values, secrets hidden), then
    validate every config file and check storage, database and dependencies. Exit 1 on any ERROR."""
    from ocean_assets.core.platform import health
    from ocean_assets.settings import environment_rows

    results = health.doctor(get_settings())
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=1))
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = Console(width=None if sys.stdout.isatty() else 160)
        env = Table("variable", "current value", "default", "meaning", title="environment")
        for row in environment_rows():
            env.add_row(row["name"], escape(redact_url(row["value"])), escape(row["default"]), escape(row["meaning"]))
        console.print(env)
        table = Table("check", "result", "detail", title="checks")
        for r in results:
            if r.rule.startswith("env:") and r.passed:  # already in the environment table
                continue
            mark = "[green]OK[/green]" if r.passed else ("[red]FAIL[/red]" if r.severity == "ERROR" else "[yellow]WARN[/yellow]")
            table.add_row(r.rule, mark, escape(r.message))
        console.print(table)
    sys.exit(1 if any(not r.passed and r.severity == "ERROR" for r in results) else 0)


@click.command("vacuum")
@click.option("--rm-empty/--keep-empty", default=True, help="Remove empty folders under the data root.")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def vacuum(rm_empty: bool, dry_run: bool) -> None:
    """Compact the project database and remove empty folders under the data root."""
    from ocean_assets.core.platform import health

    settings = get_settings()
    if not dry_run:
        try:
            before, after = health.vacuum_database(settings.database_url)
        except Exception as exc:  # driver errors: class only (messages can contain the URL)
            raise click.ClickException(f"VACUUM failed on {redact_url(settings.database_url)} "
                                       f"({type(exc).__name__})") from exc
        sizes = f" ({before} -> {after} bytes)" if before is not None else ""
        click.echo(f"database {redact_url(settings.database_url)} vacuumed{sizes}")
    if rm_empty:
        removed = health.remove_empty_dirs(settings.data_root, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        click.echo(f"{verb} {len(removed)} empty folders")
        for p in removed[:20]:
            click.echo(f"  {p.relative_to(settings.data_root)}")


def register(cli: click.Group) -> None:
    cli.add_command(doctor)
    cli.add_command(vacuum)
