"""The CRW client, demo twin and stored grid against real NOAA Coral Reef Watch artefacts (see
README.md): dhw_5km's variable names and units, CRW's alert coding and its files' own comment,
latitude order, the DHW unit, real alert values replayed through the loopback griddap server."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote

import cf_units
import numpy as np
import pytest
import xarray as xr

from ocean_assets.core.reef_health import alerts, crw_file
from ocean_assets.sources.reef_health.crw import ATTRS, DemoCrwSource, ErddapCrwSource
from ocean_assets_tests.loopback import ErddapGriddap, http_server

HERE = Path(__file__).parent
SUBSET = HERE / "ct5km_baa-max-7d_v3.1_20220101_subset.nc"


def listing() -> dict[str, tuple[str, str]]:
    """dhw_5km's variables as ERDDAP lists them: NAME (long_name, units)."""
    pattern = re.compile(r"^(CRW_\w+) \((.*), ([^,]*)\)$")
    found = (pattern.match(line) for line in (HERE / "dhw_5km_variables.txt").read_text().splitlines())
    return {m.group(1): (m.group(2), m.group(3)) for m in found if m}


def info_rows(name: str) -> list[list[str]]:
    return json.loads((HERE / name).read_text())["rows"]


def test_demo_twin_uses_dhw_5km_names_and_units():
    real = listing()
    demo = DemoCrwSource().fetch(dt.date(2024, 3, 5), (145.0, -12.0, 145.5, -11.5), Path("."))
    for name in set(ATTRS) - {"CRW_BAA"}:  # the listing's CRW_BAA line is not in the fixture
        assert (demo[name].attrs["long_name"], demo[name].attrs["units"]) == real[name], name
    assert set(demo.data_vars) <= set(real) | {"CRW_BAA"}


def test_level_names_are_crws_and_the_files_comment_lags_the_revision():
    comments = [row[4] for row in info_rows("noaacrwbaa7dDaily.info.json")
                if row[1] == "bleaching_alert_area" and row[2] == "comment"]
    with xr.open_dataset(SUBSET) as ds:
        comments.append(ds["bleaching_alert_area"].attrs["comment"])
    for comment in comments:
        coded = dict(re.findall(r"(\d) - ([A-Za-z0-9 ]+?)[;.]", comment))
        # the real files still list only the pre-2023 codes 0..4 (in 2026 too): we take the coding
        # from CRW's revised definition, whose first five levels are these, word for word
        assert {int(k): v for k, v in coded.items()} == {lv.code: lv.name for lv in alerts.LEVELS[:5]}
    assert alerts.MAX_LEVEL == 7


def test_real_alert_values_are_crw_codes_and_latitude_descends():
    with xr.open_dataset(SUBSET, mask_and_scale=False) as raw:
        values = raw["bleaching_alert_area"].values
        fill = raw["bleaching_alert_area"].attrs["_FillValue"]
        assert raw["lat"].values[0] > raw["lat"].values[-1]  # north -> south, as the demo twin
    assert set(np.unique(values[values != fill]).tolist()) <= set(alerts.CODES)
    demo = DemoCrwSource().fetch(dt.date(2024, 3, 5), (145.0, -12.0, 145.5, -11.5), Path("."))
    assert float(demo.latitude[0]) > float(demo.latitude[-1])


def test_real_dhw_unit_is_not_udunits_and_the_stored_grid_uses_a_parseable_one():
    real_units = {row[4] for row in info_rows("noaacrwdhwDaily.info.json")
                  if row[1] == "degree_heating_week" and row[2] == "units"}
    assert real_units == {"degree_Celsius_weeks"}
    with pytest.raises(ValueError):
        cf_units.Unit("degree_Celsius_weeks")
    ds = DemoCrwSource().fetch(dt.date(2024, 3, 5), (145.0, -12.0, 145.5, -11.5), Path("."))
    ds["CRW_DHW"].attrs["units"] = "degree_Celsius_weeks"  # as CRW's own files say it
    out, _ = crw_file.prepared(ds, dt.date(2024, 3, 5), live=True)
    assert cf_units.Unit(out["CRW_DHW"].attrs["units"]) == cf_units.Unit("K week")
    assert "degree_Celsius_weeks" in out["CRW_DHW"].attrs["comment"]


def dhw_5km_from_real_subset() -> xr.Dataset:
    """The real 7-day alert values under dhw_5km's names, times stamped 12:00Z as dhw_5km. (CRW's
    own file carries an integer scale_factor 1 next to _FillValue 251, which xarray cannot decode:
    the fill is masked here by hand, as ERDDAP serves it.)"""
    with xr.open_dataset(SUBSET, mask_and_scale=False) as ds:
        out = ds[["bleaching_alert_area"]].load()
    baa = out["bleaching_alert_area"]
    out["bleaching_alert_area"] = baa.where(baa != baa.attrs["_FillValue"]).astype("float32")
    out["bleaching_alert_area"].attrs = {"long_name": "bleaching alert area 7-day maximum composite", "units": "1"}
    out = out.rename({"bleaching_alert_area": "CRW_BAA_7D_MAX", "lat": "latitude", "lon": "longitude"})
    return out.assign_coords(time=[np.datetime64("2022-01-01T12:00:00", "ns")])


def test_live_client_and_stored_grid_on_real_alert_values(tmp_path):
    real = dhw_5km_from_real_subset()
    server = ErddapGriddap({"dhw_5km": real}, tmp_path)
    with http_server(server) as base:
        got = ErddapCrwSource(base, "dhw_5km", ["CRW_BAA_7D_MAX"]).fetch(
            dt.date(2022, 1, 1), (150.4, -10.4, 150.8, -10.0), tmp_path)
    assert "[(-10.0):1:(-10.4)]" in unquote(server.requests[0])  # queried north -> south
    np.testing.assert_array_equal(got["CRW_BAA_7D_MAX"].values, real["CRW_BAA_7D_MAX"].values)
    out, encoding = crw_file.prepared(got, dt.date(2022, 1, 1), live=True)
    path = tmp_path / "crw.nc"
    out.to_netcdf(path, encoding=encoding)
    with xr.open_dataset(path) as back:
        np.testing.assert_array_equal(back["CRW_BAA_7D_MAX"].values, real["CRW_BAA_7D_MAX"].values)
