"""NOAA CRW Bleaching Alert Area levels 0-7 (since December 2023) everywhere: CRW's definition, the
demo twin's own fields, the scores schema, the stored rows, the API."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from fastapi.testclient import TestClient

from ocean_assets.api.app import create_app
from ocean_assets.core.reef_health import alerts, store
from ocean_assets.core.reef_health.schemas import SCORES_SCHEMA
from ocean_assets.sources.reef_health.crw import DemoCrwSource

from .conftest import scored

GBR = (142.0, -25.0, 154.0, -10.0)


# CRW's table (https://coralreefwatch.noaa.gov/product/5km/index.php, revised December 2023),
# one row per level and at each boundary: (HotSpot degC, DHW degC-weeks, level).
CRW_TABLE = [
    (-0.5, 0.0, 0), (0.0, 9.0, 0),              # No Stress: HotSpot <= 0 (whatever the DHW)
    (0.01, 0.0, 1), (0.99, 25.0, 1),            # Watch: 0 < HotSpot < 1
    (1.0, 0.1, 2), (1.5, 3.99, 2),              # Warning: 1 <= HotSpot and 0 < DHW < 4
    (1.0, 4.0, 3), (2.0, 7.99, 3),              # Alert Level 1: 4 <= DHW < 8
    (1.0, 8.0, 4), (1.0, 11.99, 4),             # Alert Level 2: 8 <= DHW < 12
    (1.0, 12.0, 5), (3.0, 15.99, 5),            # Alert Level 3: 12 <= DHW < 16
    (1.0, 16.0, 6), (1.0, 19.99, 6),            # Alert Level 4: 16 <= DHW < 20
    (1.0, 20.0, 7), (4.0, 48.0, 7),             # Alert Level 5: 20 <= DHW
]


@pytest.mark.parametrize("hotspot, dhw, level", CRW_TABLE)
def test_levels_follow_crws_definition(hotspot, dhw, level):
    assert alerts.bleaching_alert_area(np.array([hotspot]), np.array([dhw]))[0] == level


def test_level_names_and_codes():
    assert tuple(range(8)) == alerts.CODES
    assert [alerts.name(c) for c in (0, 1, 2, 3, 7)] == [
        "No Stress", "Bleaching Watch", "Bleaching Warning", "Bleaching Alert Level 1", "Bleaching Alert Level 5"]


def test_dhw_accumulates_only_hotspots_of_one_degree_over_twelve_weeks():
    hotspots = np.zeros((100, 1))
    hotspots[:16] = 5.0      # older than 84 days: not counted
    hotspots[-14:] = 2.0     # two weeks at 2 degC above MMM: 4 degC-weeks
    hotspots[-20:-14] = 0.9  # below 1 degC: not counted
    assert alerts.degree_heating_weeks(hotspots)[0] == pytest.approx(4.0)


@pytest.fixture(scope="module")
def demo_day() -> object:
    return DemoCrwSource().fetch(dt.date(2024, 3, 5), GBR, ".")


def test_demo_twin_codes_levels_from_its_own_hotspot_and_dhw(demo_day):
    ds = demo_day
    ocean = ~np.isnan(ds["CRW_SST"].values)
    expected = alerts.bleaching_alert_area(ds["CRW_HOTSPOT"].values, ds["CRW_DHW"].values)
    np.testing.assert_array_equal(ds["CRW_BAA"].values[ocean], expected[ocean])
    assert (ds["CRW_BAA_7D_MAX"].values[ocean] >= ds["CRW_BAA"].values[ocean]).all()
    # a heatwave summer: the revised levels above the old maximum (4) occur
    assert set(np.unique(ds["CRW_BAA_7D_MAX"].values[ocean]).astype(int)) == set(range(8))


def test_demo_twin_winter_is_calm():
    ds = DemoCrwSource().fetch(dt.date(2024, 8, 5), (145.0, -19.0, 147.0, -17.0), ".")
    ocean = ~np.isnan(ds["CRW_SST"].values)
    assert float(np.nanmax(ds["CRW_BAA_7D_MAX"].values[ocean])) <= 1


def scores_with(levels: list[int]) -> pd.DataFrame:
    frame = scored(dt.date(2024, 3, 5), reefs=len(levels)).assign(alert_level=levels)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_schema_accepts_every_crw_level():
    SCORES_SCHEMA.validate(scores_with(list(range(8))), lazy=True)


@pytest.mark.parametrize("bad", [8, -1, 255])
def test_schema_refuses_codes_outside_crws(bad):
    with pytest.raises(pa.errors.SchemaErrors):
        SCORES_SCHEMA.validate(scores_with([0, 3, bad]), lazy=True)


def test_worst_levels_are_stored_and_served(engine, db_url):
    store.upsert_scores(engine, scored(dt.date(2024, 3, 5), reefs=8).assign(alert_level=list(range(8))))
    api = TestClient(create_app(db_url))
    items = api.get("/data/latest").json()["items"]
    assert sorted(i["alert_level"] for i in items) == list(range(8))
    assert [lv["name"] for lv in api.get("/alert-levels").json()][3:] == [
        "Bleaching Alert Level 1", "Bleaching Alert Level 2", "Bleaching Alert Level 3", "Bleaching Alert Level 4", "Bleaching Alert Level 5"]
    metrics = api.get("/metrics").text
    assert 'ocean_reefs_by_alert_level{level="7",name="Bleaching Alert Level 5"} 1.0' in metrics


def _old_coding(hotspot: np.ndarray, dhw: np.ndarray) -> np.ndarray:
    """CRW_BAA as served before December 2023 (and as the servers' comment still describes it):
    0-4, Alert Level 2 for every DHW >= 8."""
    return np.minimum(alerts.bleaching_alert_area(hotspot, dhw), 4.0)


def test_live_baa_in_the_old_coding_is_recomputed_counted_and_warned(tmp_path):
    """A served CRW_BAA coded 0-4 is not kept under the 0-7 labels: the level is computed from the
    served HotSpot and DHW, the disagreeing cells are counted in the file and warned by a check."""
    import types

    import xarray as xr

    from ocean_assets.core.reef_health import crw_file
    from ocean_assets.defs.reef_health.checks import _crw
    from ocean_assets.sources.reef_health.crw import ErddapCrwSource
    from ocean_assets_tests.loopback import ErddapGriddap, http_server

    table = np.array(CRW_TABLE, dtype="float32")
    lat = np.round(-10.025 - 0.05 * np.arange(len(table)), 3)  # north -> south, one row per table line
    lon = np.array([145.025, 145.075])
    hotspot = np.repeat(table[:, 0:1], 2, axis=1)[None]
    dhw = np.repeat(table[:, 1:2], 2, axis=1)[None]
    served = _old_coding(hotspot, dhw)
    variables = {"CRW_SST": hotspot + 28.0, "CRW_HOTSPOT": hotspot, "CRW_DHW": dhw, "CRW_BAA": served,
                 "CRW_BAA_7D_MAX": served}
    ds = xr.Dataset({k: (("time", "latitude", "longitude"), v.astype("float32")) for k, v in variables.items()},
                    coords={"time": pd.to_datetime(["2024-03-05T12:00:00"]), "latitude": lat, "longitude": lon})
    server = ErddapGriddap({"dhw_5km": ds}, tmp_path)
    with http_server(server) as base:
        fetched = ErddapCrwSource(base, "dhw_5km", list(variables)).fetch(
            dt.date(2024, 3, 5), (145.0, float(lat[-1]) - 0.025, 145.1, -10.0), tmp_path)
    np.testing.assert_array_equal(fetched["CRW_BAA"].values, served)  # the server's old coding arrived

    recomputed, disagreeing = alerts.recompute_served_levels(fetched)
    expected = np.repeat(table[:, 2:3], 2, axis=1)[None]
    np.testing.assert_array_equal(recomputed["CRW_BAA"].values, expected)
    assert disagreeing == 2 * int((table[:, 2] > 4).sum()) == 12  # Alert Levels 3-5, both columns
    assert (recomputed["CRW_BAA_7D_MAX"].values >= expected).all()

    r = types.SimpleNamespace(data_dir=lambda: tmp_path / "reef_health")
    path = tmp_path / "reef_health" / "crw" / "2024" / "crw_20240305.nc"
    path.parent.mkdir(parents=True)
    crw_file.write(recomputed, dt.date(2024, 3, 5), path, live=True)
    with xr.open_dataset(path) as stored:
        assert int(stored["CRW_BAA"].max()) == 7
        assert stored["CRW_BAA"].attrs[alerts.DISAGREEING_ATTR] == 12
    outcome = _crw(types.SimpleNamespace(resources=types.SimpleNamespace(reef_health=r)), "2024-03-05")[
        "baa_matches_definition"]
    assert not outcome.passed and outcome.severity == "WARN" and outcome.metadata["disagreeing_cells"] == 12
    assert outcome.message.startswith("12 cells")


def test_the_demo_twin_agrees_with_the_definition(demo_day):
    recomputed, disagreeing = alerts.recompute_served_levels(demo_day)
    assert disagreeing == 0
    np.testing.assert_array_equal(recomputed["CRW_BAA"].values, demo_day["CRW_BAA"].values)
