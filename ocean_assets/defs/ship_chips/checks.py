"""Partitioned asset checks: chip format/centre/COG, index schema, STAC validity, manifest counts."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd

from ocean_assets.core.outcome import Outcome, fail, ok
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips import layout, validation
from ocean_assets.core.ship_chips.stac import validate_catalog
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.ship_chips.assets import (
    chip_index,
    dataset_manifest,
    ship_chips,
    stac_catalog,
)
from ocean_assets.defs.ship_chips.per_day import ais_status, read_ais
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.partitions import daily_partitions

CHIP_RULES = [
    CheckRule(validation.CHIP_FORMAT, "Chips have the configured shape, band count, uint16, nodata 0, projected CRS", True),
    CheckRule(validation.CHIP_CENTRE, "Chip centre lies within one pixel diagonal of its AIS position", True),
    CheckRule(validation.CHIP_COG, "Chips are valid Cloud Optimized GeoTIFFs (rio-cogeo)", False),
]


RESOURCE = "ship_chips_env"  # the resource bound in Definitions; every check reads through it


def _env(context: dg.AssetCheckExecutionContext) -> ShipChipsResource:
    return getattr(context.resources, RESOURCE)


def _chip_outcomes(context: dg.AssetCheckExecutionContext, day: str) -> dict[str, Outcome]:
    env = _env(context)
    cfg, root = env.config(), env.dataset_root()
    path = layout.records_path(root, day)
    if not path.exists():
        return {r.name: fail(r.name, f"no chip records for {day}") for r in CHIP_RULES}
    kept = pd.read_parquet(path).query("status == 'kept'")
    files = [root / p for p in kept["path"]]
    missing = [p.name for p in files if not p.exists()]
    if missing:
        return {r.name: fail(r.name, f"{len(missing)} chip files missing: {missing[:3]}") for r in CHIP_RULES}
    size = int(cfg.section("tiling")["chip_size_px"])
    return {
        validation.CHIP_FORMAT: validation.chip_format(files, size, len(cfg.bands)),
        validation.CHIP_CENTRE: validation.chip_centre(kept, root, tol_m=10 * 2**0.5),
        validation.CHIP_COG: validation.chips_are_cogs(files),
    }


def _ais_outcomes(context: dg.AssetCheckExecutionContext, day: str) -> dict[str, Outcome]:
    """Scenes, AIS reports and observations of the day, and the windows without a capture."""
    root = _env(context).dataset_root()
    scenes_file, records_file = layout.scenes_path(root, day), layout.records_path(root, day)
    if not scenes_file.exists() or not records_file.exists():
        return {validation.SCENES_MATCHED: fail(validation.SCENES_MATCHED, f"no scenes or chip records for {day}",
                                                severity="WARN")}
    ais = read_ais(root, day)
    return {validation.SCENES_MATCHED: validation.scenes_matched_ais(
        len(json.loads(scenes_file.read_text())), len(ais), int(ais["mmsi"].nunique()) if len(ais) else 0,
        len(pd.read_parquet(records_file)), list(ais_status(root, day).get("missing") or []))}


def _index_outcomes(context: dg.AssetCheckExecutionContext, day: str) -> dict[str, Outcome]:
    root = _env(context).dataset_root()
    return {validation.INDEX_SCHEMA: validation.index_valid(idx.read_index(root), root)}


def _stac_outcomes(context: dg.AssetCheckExecutionContext, day: str) -> dict[str, Outcome]:
    root = _env(context).dataset_root()
    catalog = root / "stac" / "catalog.json"
    if not catalog.exists():
        return {validation.STAC_VALID: fail(validation.STAC_VALID, "stac/catalog.json missing")}
    errors = validate_catalog(catalog)
    if errors:
        return {validation.STAC_VALID: fail(validation.STAC_VALID, f"{len(errors)} invalid: {errors[:3]}")}
    return {validation.STAC_VALID: ok(validation.STAC_VALID,
                                      "catalog and items valid (STAC core and extension schemas, vendored)")}


def _manifest_outcomes(context: dg.AssetCheckExecutionContext, day: str) -> dict[str, Outcome]:
    root = _env(context).dataset_root()
    path = layout.manifest_path(root)
    if not path.exists():
        return {validation.MANIFEST_COUNTS: fail(validation.MANIFEST_COUNTS, "manifest missing")}
    counts = json.loads(path.read_text())["counts"]
    rows = len(idx.read_index(root))
    by_split = sum(counts["by_split"].values())
    if counts["chips"] != rows or by_split != rows:
        return {validation.MANIFEST_COUNTS: fail(validation.MANIFEST_COUNTS,
                                                 f"manifest says {counts['chips']} chips ({by_split} by split), index has {rows}")}
    return {validation.MANIFEST_COUNTS: ok(validation.MANIFEST_COUNTS, f"{rows} chips in manifest and index")}


ship_chips_checks = partitioned_checks(name="ship_chips_checks", asset=ship_chips, rules=CHIP_RULES,
                                       partitions_def=daily_partitions, evaluate=_chip_outcomes,
                                       required_resource_keys={RESOURCE})
ship_chips_ais_checks = partitioned_checks(
    name="ship_chips_ais_checks", asset=ship_chips, partitions_def=daily_partitions, evaluate=_ais_outcomes,
    required_resource_keys={RESOURCE},
    rules=[CheckRule(validation.SCENES_MATCHED,
                     "A day with scenes matched vessels from captured AIS (WARN; figures recorded per day)")])
chip_index_checks = partitioned_checks(
    name="chip_index_checks", asset=chip_index, partitions_def=daily_partitions, evaluate=_index_outcomes,
    required_resource_keys={RESOURCE},
    rules=[CheckRule(validation.INDEX_SCHEMA, "tiles.parquet: unique ids, valid geometries, paths exist, known splits", True)])
stac_catalog_checks = partitioned_checks(
    name="stac_catalog_checks", asset=stac_catalog, partitions_def=daily_partitions, evaluate=_stac_outcomes,
    required_resource_keys={RESOURCE},
    rules=[CheckRule(validation.STAC_VALID,
                     "The STAC catalog validates against the STAC core and extension JSON schemas")])
dataset_manifest_checks = partitioned_checks(
    name="dataset_manifest_checks", asset=dataset_manifest, partitions_def=daily_partitions,
    evaluate=_manifest_outcomes, required_resource_keys={RESOURCE},
    rules=[CheckRule(validation.MANIFEST_COUNTS, "Manifest counts equal the index rows")])
