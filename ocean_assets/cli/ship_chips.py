"""``ocean-assets doctor``, ``vacuum`` and the ``ship-chips`` maintenance commands (prune, publish-stac)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from ocean_assets.core.redact import redact_url
from ocean_assets.settings import get_settings

if TYPE_CHECKING:  # pandas, rasterio and pystac load when a command runs
    from ocean_assets.core.ship_chips.settings import ChipConfig


def _settings():
    try:
        return get_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _chip_config() -> ChipConfig:
    from ocean_assets.config import ConfigError, load_config
    from ocean_assets.core.ship_chips.settings import ChipConfig

    try:
        return ChipConfig.from_dict(load_config("ship_chips"), _settings().data_root)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def doctor(as_json: bool) -> None:
    """Check config files, environment, storage, database and dependencies (secrets never printed)."""
    from rich.console import Console
    from rich.table import Table

    from ocean_assets.core.ship_chips import health

    results = health.doctor(_settings())
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=1))
    else:
        table = Table("check", "result", "detail")
        for r in results:
            mark = "[green]OK[/green]" if r.passed else ("[red]FAIL[/red]" if r.severity == "ERROR" else "[yellow]WARN[/yellow]")
            table.add_row(r.rule, mark, r.message)
        Console().print(table)
    sys.exit(1 if any(not r.passed and r.severity == "ERROR" for r in results) else 0)


@click.command("vacuum")
@click.option("--rm-empty/--keep-empty", default=True, help="Remove empty folders under the data root.")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def vacuum(rm_empty: bool, dry_run: bool) -> None:
    """Compact the project database and remove empty folders under the data root."""
    from ocean_assets.core.ship_chips import health

    settings = _settings()
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


@click.group("ship-chips")
def ship_chips() -> None:
    """Maintenance of the ship-chips dataset (outside the daily job)."""


def _republish(cfg: ChipConfig, base_url: str | None) -> str:
    from ocean_assets.core.ship_chips import index as idx
    from ocean_assets.core.ship_chips.report import manifest
    from ocean_assets.core.ship_chips.stac import build_catalog, now_iso

    index = idx.read_index(cfg.dataset_root)
    catalog = build_catalog(index, cfg.dataset_root, base_url)
    from ocean_assets.core.io import atomic_write_text
    from ocean_assets.core.ship_chips.layout import manifest_path

    doc = manifest(index, cfg.section("manifest")["sample_limit"], now_iso())
    atomic_write_text(manifest_path(cfg.dataset_root), json.dumps(doc, indent=1, default=str))
    return str(catalog)


@ship_chips.command("prune")
@click.option("--time-tol-min", type=float, default=None, help="Default: match.time_tol_min.")
@click.option("--dist-tol-m", type=float, default=None, help="Default: match.dist_tol_m.")
def prune_cmd(time_tol_min: float | None, dist_tol_m: float | None) -> None:
    """Remove chips whose vessel does not match AIS within the tolerances (files, index, STAC, manifest)."""
    import pandas as pd

    from ocean_assets.core.ship_chips.prune import prune

    cfg = _chip_config()
    match = cfg.section("match")
    files = sorted((cfg.dataset_root / "ais").glob("*/*.parquet"))
    ais = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame(
        columns=["mmsi", "time_utc", "latitude", "longitude"])
    removed = prune(cfg.dataset_root, ais, time_tol_min or float(match["time_tol_min"]),
                    dist_tol_m or float(match["dist_tol_m"]))
    _republish(cfg, cfg.section("stac_publish")["base_url"])
    click.echo(f"pruned {len(removed)} chips; index, STAC catalog and manifest rewritten")


@ship_chips.command("publish-stac")
@click.option("--base-url", default=None, help="Absolute hrefs under this URL (default: relative hrefs).")
def publish_stac(base_url: str | None) -> None:
    """Rebuild stac/ (and the manifest) from indexes/tiles.parquet."""
    click.echo(f"catalog written: {_republish(_chip_config(), base_url)}")


def register(cli: click.Group) -> None:
    cli.add_command(doctor)
    cli.add_command(vacuum)
    cli.add_command(ship_chips)
