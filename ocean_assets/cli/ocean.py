"""Ocean commands: ``validate`` (files), ``validate-config`` (dataset ids) and ``update`` (daily run)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ocean_assets.core.ocean.paths import PRODUCTS

if TYPE_CHECKING:  # xarray, rich and the rules load when a command runs, not for --help or usage errors
    import dagster as dg
    from rich.console import Console

    from ocean_assets.core.ocean.products import ProductSpec


def _console() -> Console:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 140)


def _products(config_file: Path | None) -> dict[str, ProductSpec]:
    from ocean_assets.core.ocean.products import load_products

    if config_file is None:
        return load_products()
    import yaml

    try:
        with open(config_file) as fh:  # a file object, so YAML errors name the file
            raw = yaml.safe_load(fh) or {}
    except OSError as exc:
        raise click.UsageError(f"cannot read config {config_file}: {exc.strerror or exc}") from None
    from ocean_assets.config import display_path

    return load_products(raw, display_path(config_file))


def _expand(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files.extend(sorted(path.rglob("*.nc")) if path.is_dir() else [path])
    return files


def file_report(path: Path, spec: ProductSpec | None, day: dt.date | None) -> dict:
    from ocean_assets.core.ocean.validate import validate_file

    if spec is None:
        return {"file": str(path), "product": None, "passed": False,
                "failed": [{"rule": "product", "severity": "ERROR",
                            "message": "cannot tell the product from the file name; pass --product"}],
                "warnings": []}
    outcomes = validate_file(path, spec, day)
    errors = [o.to_dict() for o in outcomes if not o.passed and o.severity == "ERROR"]
    warnings = [o.to_dict() for o in outcomes if not o.passed and o.severity == "WARN"]
    return {"file": str(path), "product": spec.name, "day": day.isoformat() if day else None,
            "passed": not errors, "failed": errors, "warnings": warnings}


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--product", type=click.Choice(PRODUCTS), help="Product rules to apply (default: from the file name).")
@click.option("--date", "date_", help="Day the files must cover (default: from the file name, if it has one).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file on stdout.")
@click.option("--fail-on-warn", is_flag=True, help="Exit 1 on soft-rule warnings too.")
def validate(paths: tuple[str, ...], product: str | None, date_: str | None, as_json: bool,
             fail_on_warn: bool) -> None:
    """Validate NetCDF files (or folders of them) with the ocean rules.

    Exit 0 when every file passes, 1 when any file fails, 2 on usage errors (a missing path,
    a bad date, malformed config).
    """
    from ocean_assets.core.ocean.validate import day_from_name, guess_product

    products = _products(None)  # ConfigError / malformed YAML: one line, exit 2 (cli._translate)
    day_opt = None
    if date_:
        try:
            day_opt = dt.date.fromisoformat(date_)
        except ValueError as exc:
            raise click.BadParameter(f"{date_!r} is not a date (YYYY-MM-DD)", param_hint="--date") from exc
    files = _expand(paths)
    if not files:
        raise click.UsageError("no .nc files found under the given paths")
    reports = []
    from ocean_assets.cli._progress import progress

    with progress(len(files), "validating", enabled=not as_json and len(files) > 1) as advance:
        for path in files:
            spec = products[product] if product else guess_product(path, products)
            reports.append(file_report(path, spec, day_opt or day_from_name(path)))
            advance()
    if as_json:
        for report in reports:
            click.echo(json.dumps(report))
    else:
        _print_reports(reports)
    failing = [r for r in reports if not r["passed"] or (fail_on_warn and r["warnings"])]
    sys.exit(1 if failing else 0)


def _print_reports(reports: list[dict]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    table = Table("file", "product", "result", "reasons")
    for r in reports:
        status = "[red]FAIL[/red]" if not r["passed"] else ("[yellow]WARN[/yellow]" if r["warnings"] else "[green]PASS[/green]")
        reasons = "; ".join(f"{f['rule']}: {f['message']}" for f in r["failed"] + r["warnings"])
        table.add_row(escape(r["file"]), str(r["product"]), status, escape(reasons[:200]))
    console.print(table)
    bad = sum(not r["passed"] for r in reports)
    console.print(f"{len(reports)} file(s): {len(reports) - bad} passed, {bad} failed")


@click.command("validate-config")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="An ocean.yaml to check (default: config/ocean.yaml).")
@click.option("--mode", type=click.Choice(["demo", "live"]), help="Catalogue to ask (default: OCEAN_ASSETS_MODE).")
@click.option("--json", "as_json", is_flag=True)
def validate_config(config_file: Path | None, mode: str | None, as_json: bool) -> None:
    """Check every configured dataset id against the catalogue: exists, variables, daily cadence.

    First every file under config/ is validated against its model (docs/configuration.md): a value
    out of range, an unknown key or product name ends in one line naming the file, key and range.
    Exit 0 when every id passes, 1 when any fails, 2 on usage errors (malformed or invalid config).
    """
    products = _products(config_file)  # ConfigError / malformed YAML: one line, exit 2
    from rich.markup import escape
    from rich.table import Table

    from ocean_assets.core.ocean.catalogue import validate_product_config
    from ocean_assets.settings import get_settings
    from ocean_assets.sources.ocean import catalogue_for
    results = []
    for spec in products.values():
        if spec.source != "copernicus":
            results.append({"product": spec.name, "dataset_id": spec.dataset_id, "passed": True,
                            "message": f"{spec.source} source: not in the Copernicus Marine catalogue"})
            continue
        catalogue = catalogue_for(mode or spec.mode or get_settings().mode)
        outcome = validate_product_config(spec, catalogue.describe)
        results.append({"product": spec.name, "dataset_id": spec.dataset_id,
                        "passed": outcome.passed, "message": outcome.message})
    if as_json:
        click.echo(json.dumps(results, indent=2))
    else:
        table = Table("product", "dataset id", "result", "message")
        for r in results:
            table.add_row(r["product"], r["dataset_id"], "[green]PASS[/green]" if r["passed"] else "[red]FAIL[/red]",
                          escape(r["message"]))
        _console().print(table)
    sys.exit(0 if all(r["passed"] for r in results) else 1)


def _failed_and_missing(instance: dg.DagsterInstance, assets: list[str], days: list[str],
                        ) -> tuple[list[str], dict[str, list[str]]]:
    """The contiguous span of days some asset has not materialized, and per asset the days inside it
    that it has (the per-day helper leaves those alone: ``SKIP_DAYS_TAG``)."""
    import dagster as dg

    from ocean_assets.partitions import daily_partitions

    done: dict[str, set[str]] = {}
    for asset in assets:
        status = instance.get_status_by_partition(dg.AssetKey(asset), days, daily_partitions) or {}
        done[asset] = {d for d, s in status.items() if s == dg.AssetPartitionStatus.MATERIALIZED}
    todo = [d for d in days if any(d not in done[a] for a in assets)]
    if not todo:
        return [], {}
    span = days[days.index(todo[0]): days.index(todo[-1]) + 1]
    skip = {a: sorted(done[a] & set(span)) for a in assets if done[a] & set(span)}
    return span, skip


@click.command("update")
@click.option("--datasets", default=",".join(PRODUCTS), show_default=True,
              help="Comma-separated products to update.")
@click.option("--date", "date_", help="One day (default: yesterday, UTC).")
@click.option("--start", help="First day of a range (with --end); runs as one single-run backfill.")
@click.option("--end", help="Last day of a range (inclusive).")
@click.option("--dry-run", is_flag=True, help="List what would be materialized; download nothing.")
@click.option("--failed-and-missing", "only_todo", is_flag=True,
              help="Only the days an asset has not materialized (failed or never run); its materialized "
                   "days in the range are left alone.")
def update(datasets: str, date_: str | None, start: str | None, end: str | None, dry_run: bool,
           only_todo: bool) -> None:
    """Run the daily ocean update through Dagster, in-process (the reference's update script)."""
    from ocean_assets.cli._common import get_instance, parse_date, yesterday
    from ocean_assets.location import load_definitions

    chosen = [d.strip() for d in datasets.split(",") if d.strip()]
    unknown = [d for d in chosen if d not in PRODUCTS]
    if unknown or not chosen:
        raise click.BadParameter(f"unknown dataset(s) {unknown}; choose from {', '.join(PRODUCTS)}",
                                 param_hint="--datasets")
    if date_ and (start or end):
        raise click.UsageError("use either --date or --start/--end")
    if bool(start) != bool(end):
        raise click.UsageError("--start and --end go together")
    first = parse_date(start, "--start") if start else (parse_date(date_, "--date") or yesterday())
    last = parse_date(end, "--end") if end else first
    if last < first:
        raise click.UsageError(f"--end {last} is before --start {first}")
    from rich.markup import escape
    from rich.table import Table

    from ocean_assets.cli.materialize import QUIET_LOGS, check_rows
    from ocean_assets.config import load_config
    from ocean_assets.partitions import daily_partitions

    keys = daily_partitions.get_partition_keys()
    for day in (first, last):
        if day.isoformat() not in keys:
            raise click.UsageError(f"{day} is outside the ocean partitions ({keys[0]} .. {keys[-1]})")
    assets = [*chosen, *(["sst_texture"] if "sst" in chosen else []), "ocean_corruption_report"]
    days = daily_partitions.get_partition_keys_in_range(
        __import__("dagster").PartitionKeyRange(first.isoformat(), last.isoformat()))
    console = _console()
    skip: dict[str, list[str]] = {}
    instance = get_instance() if only_todo else None
    if instance is not None:
        days, skip = _failed_and_missing(instance, assets, days)
        if not days:
            console.print(f"nothing to do: every day of {', '.join(assets)} in the range is materialized")
            return
    if dry_run:
        console.print(f"dry run: would materialize {len(assets)} asset(s) x {len(days)} day(s) "
                      f"({days[0]} .. {days[-1]}) in one run:")
        for asset in assets:
            console.print(f"  {asset}")
        load_config("ocean")  # config errors surface in a dry run too
        return
    import dagster as dg

    defs = load_definitions()
    job = defs.resolve_job_def("ocean_daily")
    tags = ({"dagster/partition": days[0]} if len(days) == 1 else
            {"dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]})
    if skip:
        from ocean_assets.dagster_support.continuation import SKIP_DAYS_TAG

        tags[SKIP_DAYS_TAG] = json.dumps(skip, sort_keys=True)
    console.print(f"updating {', '.join(assets)} for {days[0]} .. {days[-1]} ({len(days)} day(s))")
    instance = instance or get_instance()
    from ocean_assets.dagster_support.common import job_subset

    job = job_subset(job, [dg.AssetKey(a) for a in assets])
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False, run_config=QUIET_LOGS)
    from ocean_assets.cli._per_day import print_per_day
    from ocean_assets.dagster_support.continuation import run_follow_ups_in_process

    results = [result, *([] if result.success else
                         run_follow_ups_in_process(defs, instance, result.run_id, QUIET_LOGS))]
    rows = [row for r in results for row in check_rows(r)]
    failed = [r for r in rows if not r["passed"]]
    summary = Table("asset", "checks", "passed", "warn", "fail")
    for asset in sorted({str(r["asset"]) for r in rows}):
        mine = [r for r in rows if r["asset"] == asset]
        summary.add_row(asset, str(len(mine)), str(sum(bool(r["passed"]) for r in mine)),
                        str(sum(not r["passed"] and r["severity"] == "WARN" for r in mine)),
                        str(sum(not r["passed"] and r["severity"] == "ERROR" for r in mine)))
    console.print(summary)
    for r in failed[:20]:
        console.print(f"  {r['severity']} {r['asset']}.{r['check']} {r['partition']}: {escape(str(r['message']))}")
    from ocean_assets.cli.materialize import _root_cause

    failed_days = print_per_day(console, results, days, instance)
    for event in (e for r in results for e in r.all_events):  # why a whole step failed (refused, disk full)
        if event.event_type_value == "STEP_FAILURE" and not failed_days:
            console.print(f"[red]{event.step_key}:[/red] {escape(_root_cause(event.event_specific_data.error))}")
    errors = sum(r["severity"] == "ERROR" for r in failed)
    why = f"{failed_days} day(s) failed" + (f", {errors} blocking check result(s) ERROR" if errors else "")
    console.print(f"run {result.run_id[:8]}: " + ("[green]success[/green]" if result.success else
                                                   f"[red]FAILED[/red] ({why})"))
    sys.exit(0 if result.success else 1)


def register(cli: click.Group) -> None:
    for command in (validate, validate_config, update):
        cli.add_command(command)
