"""The spatial join (cells inside / nearest ocean cell / pH) and both scores."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import box

from ocean_assets.config import load_config
from ocean_assets.core.reef_health.join import join_conditions
from ocean_assets.core.reef_health.scoring import ScoreConfig, score_frame
from ocean_assets.sources.reef_health.crw import DemoCrwSource


def crw_grid() -> xr.Dataset:
    lat = np.array([-10.025, -10.075, -10.125, -10.175])  # descending, as dhw_5km
    lon = np.array([145.025, 145.075, 145.125, 145.175])
    sst = np.arange(16, dtype="float32").reshape(1, 4, 4) + 25
    sst[0, 0, 0] = np.nan  # land
    def var(values):  # noqa: ANN001, ANN202
        return (("time", "latitude", "longitude"), values)
    return xr.Dataset({"CRW_SST": var(sst), "CRW_SSTANOMALY": var(sst - 26), "CRW_DHW": var(np.ones_like(sst)),
                       "CRW_BAA": var(np.full_like(sst, 2))},
                      coords={"time": [np.datetime64("2024-03-05T12:00")], "latitude": lat, "longitude": lon})


def test_cells_inside_are_averaged_and_nearest_used_otherwise():
    reefs = gpd.GeoDataFrame({"reef_id": ["inside", "outside"], "area_sqkm": [1.0, 2.0]},
                             geometry=[box(145.05, -10.1, 145.1, -10.05), box(145.9, -10.9, 145.95, -10.85)],
                             crs="EPSG:4326")
    ph = xr.Dataset({"ph": (("time", "depth", "latitude", "longitude"), np.array([[[[8.01, np.nan], [8.05, 8.07]]]]))},
                    coords={"latitude": [-10.5, -10.0], "longitude": [145.0, 145.5], "depth": [0.494], "time": [0]})
    out = join_conditions(reefs, crw_grid(), ph).set_index("reef_id")
    # cell centre (145.075, -10.075) is the only one inside the first box: row 1, col 1 -> 25 + 5
    assert out.loc["inside", "sst"] == pytest.approx(30.0) and out.loc["inside", "cells"] == 1
    assert out.loc["inside", "alert_level"] == 2
    # the second reef has no cell inside: the nearest ocean cell is the south-east corner (25 + 15)
    assert out.loc["outside", "cells"] == 0 and out.loc["outside", "sst"] == pytest.approx(40.0)
    assert out.loc["inside", "ph"] == pytest.approx(8.05)  # nearest pH cell
    assert out.loc["outside", "ph"] == pytest.approx(8.07)  # its nearest cell is land (NaN): next ocean cell


def test_scores_reference_and_stress():
    cond = pd.DataFrame({"sst": [28.0, 28.0], "sst_anomaly": [-0.5, 2.0], "dhw": [0.0, 8.0], "alert_level": [0, 3]})
    out = score_frame(cond, ScoreConfig(method="stress"))
    # the seed's formula by hand: max(80 - (1.5 * 28 + 5 * 0), 0) = 38; max(80 - (42 + 40), 0) = 0
    assert out["score"].tolist() == [38.0, 0.0]
    assert out["stress_score"].tolist() == [100.0, 100 - (10 * 2 + 6 * 8 + 8 * 3)]
    assert out["anomaly"].tolist() == [False, True]
    reference = score_frame(cond, ScoreConfig(method="reference"))
    assert reference["anomaly"].tolist() == [True, True]  # warm water alone is flagged by the reference formula
    with pytest.raises(ValueError):
        ScoreConfig.from_config({"method": "vibes"})


@pytest.mark.parametrize("sst, dhw, expected", [
    (0.0, 0.0, 80.0), (20.0, 0.0, 50.0), (26.0, 1.0, 36.0), (30.0, 4.0, 15.0), (30.0, 7.0, 0.0),
    (31.0, 12.5, 0.0), (13.0, 2.5, 48.0),
])
def test_reference_score_is_the_seeds_formula(sst, dhw, expected):
    """Values worked by hand from the seed's health_score_row: max(80 - (SST * 1.5 + DHW * 5), 0)."""
    cond = pd.DataFrame({"sst": [sst], "sst_anomaly": [0.0], "dhw": [dhw], "alert_level": [0]})
    assert score_frame(cond, ScoreConfig()).loc[0, "score"] == pytest.approx(expected)


def test_reference_score_defaults_follow_the_seed():
    cfg = ScoreConfig.from_config({})
    assert (cfg.baseline, cfg.w_sst, cfg.w_dhw, cfg.anomaly_threshold) == (80.0, 1.5, 5.0, 70.0)
    assert cfg.stress_baseline == 100.0
    shipped = ScoreConfig.from_config(load_config("reef_health")["score"])
    assert shipped.baseline == 80.0


def test_demo_crw_matches_service_shape():
    ds = DemoCrwSource().fetch(dt.date(2024, 3, 5), (145.0, -12.0, 146.0, -11.0), ".")
    assert float(ds.latitude[0]) > float(ds.latitude[-1])  # latitude descending
    assert str(ds.time.values[0])[:13] == "2024-03-05T12"
    # dhw_5km on ERDDAP: CRW_DHW "Celsius weeks", CRW_SST "Celsius", alert areas "1"
    assert ds["CRW_DHW"].attrs["units"] == "Celsius weeks" and ds["CRW_SST"].attrs["units"] == "Celsius"
    assert {"CRW_HOTSPOT", "CRW_BAA_7D_MAX"} <= set(ds.data_vars)
