"""Validation rules of chips, index, catalog and manifest, as Outcomes (used by checks, CLI, tests)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors
import rasterio
from rio_cogeo.cogeo import cog_validate

from ocean_assets.core.outcome import Outcome, fail, ok
from ocean_assets.core.ship_chips.chipping import unreadable
from ocean_assets.core.ship_chips.geo import haversine_m, to_lonlat
from ocean_assets.core.ship_chips.index import index_schema

CHIP_FORMAT = "chip_format"
CHIP_CENTRE = "chip_centre_matches_ais"
CHIP_COG = "chip_is_valid_cog"
INDEX_SCHEMA = "index_schema"
STAC_VALID = "stac_catalog_valid"
MANIFEST_COUNTS = "manifest_counts_match_index"
SCENES_MATCHED = "scenes_matched_ais"


def chip_format(paths: list[Path], size: int, bands: int, dtype: str = "uint16",
                nodata: float = 0) -> Outcome:
    bad = []
    for p in paths:
        try:
            with rasterio.open(p) as src:
                problems = [name for name, good in (
                    ("shape", (src.height, src.width) == (size, size)), ("band count", src.count == bands),
                    ("dtype", all(d == dtype for d in src.dtypes)), ("nodata", src.nodata == nodata),
                    ("crs", src.crs is not None and src.crs.is_projected)) if not good]
        except rasterio.errors.RasterioIOError:
            problems = ["unreadable"]
        if problems:
            bad.append(f"{p.name}: {', '.join(problems)}")
    if bad:
        return fail(CHIP_FORMAT, f"{len(bad)}/{len(paths)} chips malformed: {'; '.join(bad[:5])}")
    return ok(CHIP_FORMAT, f"{len(paths)} chips {size}x{size}x{bands} {dtype} nodata={nodata}", chips=len(paths))


def chip_centre(records: pd.DataFrame, root: Path, tol_m: float) -> Outcome:
    """The chip's centre pixel lies within ``tol_m`` of the AIS position it was cut for."""
    worst, bad = 0.0, []
    for r in records.itertuples():
        try:
            with rasterio.open(root / r.path) as src:
                x, y = src.xy(src.height // 2, src.width // 2, offset="ul")
                lon, lat = to_lonlat(x, y, src.crs.to_string())
        except rasterio.errors.RasterioIOError:
            bad.append(f"{r.chip_id} (unreadable)")
            continue
        d = haversine_m(lon, lat, r.lon, r.lat)
        worst = max(worst, d)
        if d > tol_m:
            bad.append(f"{r.chip_id} ({d:.0f} m)")
    if bad:
        return fail(CHIP_CENTRE, f"{len(bad)} chips off their AIS position: {', '.join(bad[:5])}", max_offset_m=worst)
    return ok(CHIP_CENTRE, f"{len(records)} chips within {tol_m:.0f} m (max {worst:.1f} m)", max_offset_m=worst)


def chips_are_cogs(paths: list[Path]) -> Outcome:
    bad = []
    for p in paths:
        try:
            valid, errors, _ = cog_validate(str(p), quiet=True)
        except rasterio.errors.RasterioIOError:
            valid, errors = False, ["unreadable"]
        if valid and (problem := unreadable(p)):  # the header alone may be intact: read every band
            valid, errors = False, [f"data unreadable: {problem}"]
        if not valid:
            bad.append(f"{p.name}: {errors[:1]}")
    if bad:
        return fail(CHIP_COG, f"{len(bad)} invalid COGs: {'; '.join(bad[:5])}")
    return ok(CHIP_COG, f"{len(paths)} valid COGs")


def index_valid(index: pd.DataFrame, root: Path) -> Outcome:
    if index.empty:  # a day without kept chips (no scene, all clouds) is valid and empty
        return ok(INDEX_SCHEMA, "index is empty", rows=0)
    try:
        index_schema(root).validate(index, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check"]].astype(str).drop_duplicates().head(5)
        summary = "; ".join(f"{c}: {k}" for c, k in cases.itertuples(index=False))
        return fail(INDEX_SCHEMA, f"tiles.parquet violates its schema: {summary}")
    return ok(INDEX_SCHEMA, f"{len(index)} rows valid", rows=len(index))


def scenes_matched_ais(scenes: int, reports: int, vessels: int, observations: int,
                       missing: list[str]) -> Outcome:
    """WARN when a day with scenes matched no vessel: AIS was not captured for the passes, or the
    captured reports are too far from the sensing time; the figures are recorded either way."""
    figures = {"scenes": scenes, "ais_reports": reports, "vessels": vessels, "observations": observations}
    if scenes and not observations:
        why = (f"no AIS captured for {'; '.join(missing[:3])}" if missing
               else "no AIS report inside a scene near its sensing time" if reports
               else "no AIS reports for the day")
        return fail(SCENES_MATCHED, f"{scenes} scene(s) but no vessel matched: {why}", severity="WARN",
                    **figures, missing_captures=missing)
    note = f"; AIS missing for {'; '.join(missing[:3])}" if missing else ""
    return ok(SCENES_MATCHED, f"{observations} observation(s) from {vessels} vessel(s) in {scenes} scene(s){note}",
              severity="WARN", **figures, missing_captures=missing)
