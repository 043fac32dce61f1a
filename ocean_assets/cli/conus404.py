"""``ocean-assets conus404 ...``: a local Zarr mirror for testing, failed days and their re-run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ocean_assets.cli._common import get_instance, parse_date
from ocean_assets.location import load_definitions


@click.group("conus404")
def conus404() -> None:
    """CONUS404 hourly -> daily: helpers around the conus404_daily job."""


@conus404.command("make-store")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--start", required=True, help="First day (YYYY-MM-DD).")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 366))
@click.option("--grid", default="60x80", show_default=True, help="NYxNX or 'full' (1015x1367).")
def make_store(path: Path, start: str, days: int, grid: str) -> None:
    """Write a synthetic Zarr store with the CONUS404 layout (point OCEAN_ASSETS_CONUS404_ZARR at it)."""
    from ocean_assets.sources.conus404 import FULL_GRID, write_store

    day = parse_date(start, "--start")
    try:
        shape = FULL_GRID if grid == "full" else tuple(int(v) for v in grid.lower().split("x"))
        if len(shape) != 2 or min(shape) < 2:
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"{grid!r}: use NYxNX (e.g. 60x80) or 'full'",
                                 param_hint="--grid") from None
    try:
        write_store(path, day, days, shape)  # type: ignore[arg-type]
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"wrote {path} ({days} day(s), grid {shape[0]} x {shape[1]})")


@conus404.command("failed")
def failed() -> None:
    """List days whose latest conus404_daily run failed."""
    from ocean_assets.defs.conus404.recovery import failed_partitions

    days = failed_partitions(get_instance())
    click.echo("\n".join(days) if days else "no failed days")


@conus404.command("retry-failed")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many days.")
def retry_failed(limit: int | None) -> None:
    """Re-run only the failed days (one run each); exit 1 if any still fails."""
    from ocean_assets.cli._progress import progress
    from ocean_assets.defs.conus404.recovery import failed_partitions, rerun_failed

    job, instance = load_definitions().resolve_job_def("conus404_daily"), get_instance()
    days = failed_partitions(instance, job.name)[:limit]
    if not days:
        click.echo("no failed days")
        return
    with progress(len(days), "re-running failed days", enabled=len(days) > 1) as advance:
        def done(day: str, success: bool) -> None:
            click.echo(f"{day}: {'ok' if success else 'FAILED again'}")
            advance()

        results = rerun_failed(instance, job, days=days, on_done=done)
    sys.exit(0 if all(results.values()) else 1)


def register(cli: click.Group) -> None:
    cli.add_command(conus404)
