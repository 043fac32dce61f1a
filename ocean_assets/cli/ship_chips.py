"""The ``ship-chips`` maintenance commands (prune, publish-stac); doctor and vacuum are in cli/platform.py."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ocean_assets.settings import get_settings

if TYPE_CHECKING:  # pandas, rasterio and pystac load when a command runs
    from ocean_assets.core.ship_chips.settings import ChipConfig


def _settings():
    try:
        return get_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _chip_config() -> ChipConfig:
    from ocean_assets.config import load_config
    from ocean_assets.core.ship_chips.settings import ChipConfig

    return ChipConfig.from_dict(load_config("ship_chips"), _settings().data_root)  # ConfigError: exit 2


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
    cli.add_command(ship_chips)
