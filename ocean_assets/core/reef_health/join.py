"""Spatial join of gridded CRW (and pH) fields with reef polygons: per reef, the mean of the grid
cells whose centres fall inside it, or the nearest ocean (non-NaN) cell when none do."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr

CRW_FIELDS = {"CRW_SST": "sst", "CRW_SSTANOMALY": "sst_anomaly", "CRW_DHW": "dhw", "CRW_BAA": "alert_level"}


def _cells(ds: xr.Dataset, variables: list[str], lat: str = "latitude", lon: str = "longitude") -> gpd.GeoDataFrame:
    frame = ds[variables].squeeze(drop=True).to_dataframe().reset_index()
    frame = frame.dropna(subset=variables, how="all")
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame[lon], frame[lat]), crs="EPSG:4326")


def _nearest(cells: gpd.GeoDataFrame, points: np.ndarray) -> np.ndarray:
    """Index (position in ``cells``) of the nearest cell to each (lon, lat) point (STRtree, planar degrees)."""
    tree = shapely.STRtree(cells.geometry.to_numpy())
    return tree.nearest(shapely.points(points))


def join_conditions(reefs: gpd.GeoDataFrame, crw: xr.Dataset, ph: xr.Dataset | None = None) -> pd.DataFrame:
    """One row per reef: reef_id, latitude, longitude, area_sqkm, sst, sst_anomaly, dhw, alert_level,
    ph, cells (grid cells inside; 0 = nearest cell used)."""
    if reefs.empty:
        return pd.DataFrame(columns=["reef_id", "latitude", "longitude", "area_sqkm", *CRW_FIELDS.values(), "ph", "cells"])
    variables = [v for v in CRW_FIELDS if v in crw]
    missing = set(CRW_FIELDS) - set(variables)
    if missing:
        raise ValueError(f"CRW dataset lacks {sorted(missing)}")
    cells = _cells(crw, variables)
    if cells.empty:
        raise ValueError("CRW grid has no ocean cells in the reef region")
    joined = gpd.sjoin(cells, reefs[["reef_id", "geometry"]], predicate="within", how="inner")
    inside = joined.groupby("reef_id").agg(
        **{CRW_FIELDS[v]: (v, "mean") for v in variables if v != "CRW_BAA"},
        alert_level=("CRW_BAA", "max"), cells=("CRW_SST", "size"))
    centroids = reefs.geometry.representative_point()
    out = pd.DataFrame({"reef_id": reefs["reef_id"].to_numpy(), "latitude": centroids.y.to_numpy(),
                        "longitude": centroids.x.to_numpy(), "area_sqkm": reefs["area_sqkm"].to_numpy(float)})
    out = out.merge(inside, left_on="reef_id", right_index=True, how="left")
    lacking = out["sst"].isna().to_numpy()
    if lacking.any():
        idx = _nearest(cells, np.c_[out.loc[lacking, "longitude"], out.loc[lacking, "latitude"]])
        for var, col in CRW_FIELDS.items():
            out.loc[lacking, col] = cells[var].to_numpy()[idx]
        out.loc[lacking, "cells"] = 0
    out["alert_level"] = out["alert_level"].fillna(0).round().astype(int)
    out["cells"] = out["cells"].fillna(0).astype(int)
    out["ph"] = sample_ph(ph, out) if ph is not None else np.nan
    return out


def sample_ph(ph: xr.Dataset, reefs: pd.DataFrame) -> np.ndarray:
    """pH at each reef: the nearest non-NaN surface cell of the ocean domain's acidity grid."""
    cells = _cells(ph, ["ph"])
    if cells.empty:
        return np.full(len(reefs), np.nan)
    idx = _nearest(cells, np.c_[reefs["longitude"], reefs["latitude"]])
    return cells["ph"].to_numpy()[idx]
