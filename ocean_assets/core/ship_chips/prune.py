"""Prune chips whose vessel position does not match AIS within time/distance tolerances."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ocean_assets.core.ship_chips.geo import haversine_m
from ocean_assets.core.ship_chips.index import read_index, write_index


def mismatched(index: pd.DataFrame, ais: pd.DataFrame, time_tol_min: float, dist_tol_m: float) -> pd.Series:
    """True for chips with no AIS report of the same MMSI within both tolerances of scene time and chip centre."""
    times = pd.to_datetime(ais["time_utc"], utc=True) if len(ais) else pd.Series(dtype="datetime64[ns, UTC]")
    flags = []
    for r in index.itertuples():
        same = ais[(ais["mmsi"] == r.mmsi) & ((times - pd.Timestamp(r.scene_time)).abs()
                                             <= pd.Timedelta(minutes=time_tol_min))] if len(ais) else ais
        centre = r.geometry.centroid
        near = any(haversine_m(centre.x, centre.y, lo, la) <= dist_tol_m
                   for lo, la in zip(same["longitude"], same["latitude"], strict=True))
        flags.append(not near)
    return pd.Series(flags, index=index.index, dtype=bool)


def prune(dataset_root: Path, ais: pd.DataFrame, time_tol_min: float, dist_tol_m: float) -> list[str]:
    """Remove mismatched chips from files and index together; returns removed chip ids.

    The caller rebuilds the STAC catalog from the pruned index so all three stay consistent.
    """
    index = read_index(dataset_root)
    if index.empty:
        return []
    bad = mismatched(index, ais, time_tol_min, dist_tol_m)
    removed = index[bad]
    write_index(gpd.GeoDataFrame(index[~bad], geometry="geometry", crs=index.crs), dataset_root)
    for rel in removed["path"]:
        (dataset_root / rel).unlink(missing_ok=True)
    return list(removed["chip_id"])
