"""The CONUS404 code against the real service's published metadata
(ocean_assets_tests/contracts/conus404/, sources in its README)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ocean_assets.core.conus404.projection import LambertConformal
from ocean_assets.core.conus404.windows import Kind, producer_bucket_size, producer_kind
from ocean_assets.sources.conus404 import COORD_ATTRS, FULL_GRID, VARIABLES, demo_dataset

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "conus404"
STORE = json.loads((CONTRACTS / "store_metadata.json").read_text())
COLLECTION = json.loads((CONTRACTS / "collection.json").read_text())
WRF = json.loads((CONTRACTS / "wrf_global_attributes.json").read_text())


def _producer_table() -> dict[str, dict[str, str]]:
    with (CONTRACTS / "wrfout_variables.tsv").open() as fh:
        return {row["varname"]: row for row in csv.DictReader(fh, delimiter="\t")}


def test_demo_twin_has_the_stores_names_units_dims_and_types() -> None:
    hours = np.array(["2022-09-29T00"], dtype="datetime64[h]")
    demo = demo_dataset(hours, (3, 4))
    for name in VARIABLES:
        real = STORE["data_vars"][name]
        assert list(demo[name].dims) == real["dims"], name
        assert str(demo[name].dtype) == real["dtype"], name
        got = {k: str(v) for k, v in demo[name].attrs.items()}
        assert got == real["attrs"], name
        cube = COLLECTION["cube:variables"][name]
        assert cube["chunks"][1:] == list(FULL_GRID) and cube["shape"][1:] == list(FULL_GRID)
    for name, attrs in COORD_ATTRS.items():
        assert attrs == STORE["coords"][name]["attrs"]
        assert STORE["coords"][name]["dims"] == ["south_north", "west_east"]
    assert {k: str(v) for k, v in demo["time"].attrs.items()} == STORE["coords"]["time"]["attrs"]


def test_accumulation_kinds_agree_with_the_producers_table() -> None:
    """The kind read from the store's attributes (Planetary Computer copy) matches NCAR/USGS's own
    variable table (accumulated, integration_length), for every variable the table lists."""
    table = _producer_table()
    checked = 0
    for name, row in table.items():
        if name not in STORE["data_vars"]:
            continue
        period = row["integration_length"]
        want = (Kind.INSTANT if row["accumulated"] == "False"
                else Kind.HOURLY if "prior 60 minutes" in period else Kind.TOTAL)
        assert producer_kind(STORE["data_vars"][name]["attrs"]) is want, name
        checked += 1
    assert checked >= 15


def test_every_hourly_and_bucketed_variable_of_the_store_is_recognised() -> None:
    for name, var in STORE["data_vars"].items():
        kind = producer_kind(var["attrs"])
        if name.endswith("_ACC_NC"):
            assert kind is Kind.HOURLY, name
        if f"I_{name}" in STORE["data_vars"]:  # AC* with its bucket counter
            assert kind is Kind.TOTAL and producer_bucket_size(var["attrs"]) == 1.0e9, name
        if name in ("T2", "TD2", "Q2", "PSFC", "U10", "V10", "SWDOWN"):
            assert kind is Kind.INSTANT, name


def test_configured_buckets_match_the_producer(options) -> None:
    for var, (counter, size) in options.buckets.items():
        assert counter in STORE["data_vars"] and f"I_{var}" == counter
        assert producer_bucket_size(STORE["data_vars"][var]["attrs"]) == size


def test_the_store_has_no_rotation_fields_or_projection_attributes() -> None:
    """Why the rotation is computed from the projection: the Planetary Computer copy dropped WRF's
    COSALPHA/SINALPHA (the raw output has them) and the projection's global attributes."""
    assert {"COSALPHA", "SINALPHA"} <= set(_producer_table())
    assert not {"COSALPHA", "SINALPHA"} & set(STORE["data_vars"])
    assert LambertConformal.from_wrf_attrs(STORE["attrs"]) is None
    assert "with respect to model grid" in STORE["data_vars"]["U10"]["attrs"]["long_name"]


def test_configured_projection_is_the_models(options) -> None:
    """The configured projection equals the raw WRF output's global attributes and rebuilds the
    store's lat/lon: the published extents of its 1015 x 1367 grid, to 1e-4 degrees."""
    p = options.projection
    assert (p.truelat1, p.truelat2, p.dx, p.dy) == (WRF["TRUELAT1"], WRF["TRUELAT2"], WRF["DX"],
                                                     WRF["DY"])
    assert p.cen_lat == WRF["CEN_LAT"] == WRF["MOAD_CEN_LAT"]
    assert p.cen_lon == WRF["CEN_LON"]
    assert abs(p.stand_lon - WRF["CEN_LON"]) < 1e-5
    assert COLLECTION["cube:variables"]["lat"]["shape"] == list(FULL_GRID)
    extent = [*COLLECTION["cube:dimensions"]["lat"]["extent"],
              *COLLECTION["cube:dimensions"]["lon"]["extent"]]
    lat, lon = p.grid_latlon(*FULL_GRID)
    np.testing.assert_allclose([lat.min(), lat.max(), lon.min(), lon.max()], extent, atol=1e-4)


def test_a_wrong_projection_would_be_caught() -> None:
    """The ScienceBase record's Lambert parameters (30/60, -97, 40: the WRF-Hydro grid's) do not
    rebuild the store's grid, so the extent test above can tell projections apart."""
    wrong = LambertConformal(30.0, 60.0, -97.0, 40.0, -97.0, 4000.0, 4000.0)
    lat, lon = wrong.grid_latlon(*FULL_GRID)
    extent = [*COLLECTION["cube:dimensions"]["lat"]["extent"],
              *COLLECTION["cube:dimensions"]["lon"]["extent"]]
    assert np.abs(np.array([lat.min(), lat.max(), lon.min(), lon.max()]) - extent).max() > 0.5
