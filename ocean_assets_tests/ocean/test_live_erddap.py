"""The live ERDDAP griddap client (real HTTP, real NetCDF) against a loopback griddap server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from ocean_assets.core.ocean.validate import validate_dataset
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.sources.ocean.erddap import ErddapGriddapSource, griddap_url, parse_info
from ocean_assets_tests.loopback import ErddapGriddap, http_server, mur_like_dataset, send
from ocean_assets_tests.ocean.contract_servers import MUR_INFO, MurErddap

DAYS = ["2024-03-04", "2024-03-05", "2024-03-06"]
FAST = Backoff(attempts=3, base_seconds=0.01, max_seconds=0.02)


@pytest.fixture
def mur_spec(products):
    return dataclasses.replace(products["sst"], source="erddap", land_mask_variable=None, max_nan_fraction=0.5,
                               region=dataclasses.replace(products["sst"].region, min_lon=-80, max_lon=-60,
                                                          min_lat=30, max_lat=45))


def test_griddap_url_orders_latitude_by_dataset():
    day = dt.date(2024, 3, 5)
    asc = griddap_url("http://x/erddap", "jplMURSST41", ["analysed_sst"], day, (30, 45), (-80, -60), False)
    desc = griddap_url("http://x/erddap", "dhw_5km", ["CRW_SST"], day, (30, 45), (-80, -60), True)
    assert "/griddap/jplMURSST41.nc?analysed_sst[(2024-03-05T00:00:00Z):1:(2024-03-05T23:59:59Z)][(30):1:(45)]" in asc
    assert "[(45):1:(30)]" in desc


@pytest.mark.parametrize("descending", [False, True])
def test_fetch_one_day_valid_in_kelvin(tmp_path, mur_spec, descending):
    server = ErddapGriddap({"jplMURSST41": mur_like_dataset(DAYS, descending)}, tmp_path)
    with http_server(server) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41",
                                     latitude_descending=descending, backoff=FAST)
        ds = source.fetch(mur_spec, dt.date(2024, 3, 5), tmp_path)
    assert ds.sizes["time"] == 1 and str(ds.time.values[0])[:13] == "2024-03-05T09"
    assert ds["analysed_sst"].attrs["units"] == "K"
    assert 290 < float(ds["analysed_sst"].mean()) < 296
    assert float(ds.latitude[0]) < float(ds.latitude[-1])  # stored ascending
    outcomes = {o.rule: o for o in validate_dataset(ds, mur_spec, dt.date(2024, 3, 5))}
    assert all(o.passed for o in outcomes.values()), outcomes


def test_no_matching_results_is_permanent(tmp_path, mur_spec):
    server = ErddapGriddap({"jplMURSST41": mur_like_dataset(DAYS)}, tmp_path)
    with http_server(server) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST)
        with pytest.raises(PermanentError, match="no matching results"):
            source.fetch(mur_spec, dt.date(2030, 1, 1), tmp_path)
    assert len([r for r in server.requests if "/griddap/" in r]) == 1  # not retried
    assert not list(tmp_path.glob("sst_*.nc"))


def test_transient_503_then_success(tmp_path, mur_spec):
    inner = ErddapGriddap({"jplMURSST41": mur_like_dataset(DAYS)}, tmp_path)
    calls = []

    def flaky(request):
        calls.append(request.path)
        if len(calls) < 3:
            send(request, 503, b"busy", "text/plain", {"Retry-After": "0"})
        else:
            inner(request)

    with http_server(flaky) as base:
        ds = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(
            mur_spec, dt.date(2024, 3, 6), tmp_path)
    assert len(calls) == 4 and ds.sizes["time"] == 1  # two refused info reads, info, data


def test_truncated_body_is_retried_and_never_lands(tmp_path, mur_spec):
    calls = []

    def truncating(request):
        calls.append(1)
        request.send_response(200)
        request.send_header("Content-Length", "100000")
        request.end_headers()
        request.wfile.write(b"\x89HDF\r\n\x1a\n" + b"0" * 100)

    with http_server(truncating) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST)
        with pytest.raises(OSError, match="truncated|transfer broke"):
            source.fetch(mur_spec, dt.date(2024, 3, 6), tmp_path)
    assert len(calls) == 3
    assert not list(tmp_path.glob("*.erddap.nc"))


# --- the real jplMURSST41 axes (contract fixture) -------------------------------------------------

def box(spec, **region):
    return dataclasses.replace(spec, region=dataclasses.replace(spec.region, **region))


def test_info_fixture_gives_the_real_mur_axes():
    axes = parse_info(json.loads(MUR_INFO.read_text()))
    assert (axes["latitude"].minimum, axes["latitude"].maximum) == (-89.99, 89.99)
    assert (axes["longitude"].minimum, axes["longitude"].maximum) == (-179.99, 180.0)
    assert axes["latitude"].spacing == 0.01 and not axes["latitude"].descending


def test_full_globe_is_clamped_to_the_dataset_axes(mur_spec):
    axes = parse_info(json.loads(MUR_INFO.read_text()))
    glob = box(mur_spec, min_lat=-90, max_lat=90, min_lon=-180, max_lon=180)
    lat, lon, descending = ErddapGriddapSource().request_box(glob, axes, False)
    assert (lat, lon, descending) == ((-89.99, 89.99), (-179.99, 180.0), False)
    url = griddap_url("http://x/erddap", "jplMURSST41", ["analysed_sst"], dt.date(2024, 3, 5), lat, lon, descending)
    assert "[(-89.99):1:(89.99)][(-179.99):1:(180)]" in url


def test_polar_and_dateline_edge_fetches_on_the_real_grid(tmp_path, mur_spec):
    """A region reaching 90N / 180E: ERDDAP refuses 90 (axis max 89.99, tolerance 89.995)."""
    server = MurErddap(tmp_path)
    edge = box(mur_spec, min_lat=89.5, max_lat=90.0, min_lon=179.5, max_lon=180.0)
    with http_server(server) as base:
        ds = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(
            edge, dt.date(2024, 3, 5), tmp_path)
    assert float(ds.latitude.max()) == 89.99 and float(ds.longitude.max()) == 180.0
    assert ds.sizes["latitude"] == 50 and ds.sizes["longitude"] == 51
    assert str(ds.time.values[0])[:13] == "2024-03-05T09"
    # degree_C on ERDDAP -> kelvin in the product, values and their range attribute alike
    sst = ds["analysed_sst"]
    assert sst.attrs["units"] == "K" and 290 < float(sst.mean()) < 296
    assert abs(min(sst.attrs["actual_range"]) - float(sst.min())) < 1e-3  # shifted by 273.15 too


def test_unclamped_request_is_refused_like_erddap(tmp_path):
    server = MurErddap(tmp_path)
    with http_server(server) as base:
        url = griddap_url(base, "jplMURSST41", ["analysed_sst"], dt.date(2024, 3, 5), (89.5, 90.0), (179.5, 180.0), False)
        import requests
        answer = requests.get(url, timeout=10)
    assert answer.status_code == 404 and "greater than the axis maximum=89.99 (and even 89.995)" in answer.text


def test_latitude_order_comes_from_the_dataset(tmp_path, mur_spec):
    """A north-to-south dataset is queried north to south even when the config says ascending."""
    server = ErddapGriddap({"jplMURSST41": mur_like_dataset(DAYS, latitude_descending=True)}, tmp_path)
    with http_server(server) as base:
        ds = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", latitude_descending=False,
                                 backoff=FAST).fetch(mur_spec, dt.date(2024, 3, 5), tmp_path)
    assert "%5B(45):1:(30)%5D" in [r for r in server.requests if "/griddap/" in r][0]
    assert float(ds.latitude[0]) < float(ds.latitude[-1])


def test_region_outside_the_axes_is_a_clear_permanent_error(tmp_path, mur_spec):
    server = MurErddap(tmp_path)
    east = box(mur_spec, min_lon=190.0, max_lon=200.0)
    with http_server(server) as base, pytest.raises(PermanentError, match="outside the dataset's longitude axis"):
        ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(east, dt.date(2024, 3, 5), tmp_path)
    assert not [r for r in server.requests if "/griddap/" in r]


def test_demo_twin_of_mur_uses_the_real_axes_and_stamp(tmp_path, mur_spec):
    from ocean_assets.sources.ocean.demo import demo_dataset

    spec = box(mur_spec, min_lat=89.0, max_lat=90.0, min_lon=179.0, max_lon=180.0)
    demo = demo_dataset(dataclasses.replace(spec, demo_resolution=0.01), dt.date(2024, 3, 5))
    with http_server(MurErddap(tmp_path)) as base:
        live = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(
            spec, dt.date(2024, 3, 5), tmp_path)
    assert demo.time.values[0] == live.time.values[0]  # 09:00Z
    for axis in ("latitude", "longitude"):
        assert demo[axis].values.tolist() == live[axis].values.tolist()
    assert demo["analysed_sst"].dims == live["analysed_sst"].dims
    assert demo["analysed_sst"].attrs["units"] == live["analysed_sst"].attrs["units"] == "K"


def test_the_shipped_mur_region_is_split_into_bands_under_the_limit(products):
    """The shipped sst region on MUR (lat -80..89.99, lon -179.99..180 at 0.01 degree, float32) is
    ~2.45 GB in one .nc, over ERDDAP's 2 GB limit: it is asked for in latitude bands of at most
    erddap.max_request_mb (500 MB by default), contiguous on the axis grid, south to north."""
    from ocean_assets.sources.ocean.erddap import latitude_bands, parse_value_bytes

    spec = dataclasses.replace(products["sst"], source="erddap")
    info = json.loads(MUR_INFO.read_text())
    axes = parse_info(info)
    assert parse_value_bytes(info)["analysed_sst"] == 4
    lat, lon, _ = ErddapGriddapSource().request_box(spec, axes, False)
    source = ErddapGriddapSource()
    limit = source.max_request_bytes(spec)
    assert limit == 500e6
    rows = round((lat[1] - lat[0]) / 0.01) + 1
    cols = round((lon[1] - lon[0]) / 0.01) + 1
    assert rows * cols * 4 > 2e9  # one request would be refused
    bands = latitude_bands(lat, lon, axes, 4, limit)
    assert len(bands) == -(-rows * cols * 4 // int(limit))  # as few as the limit allows
    assert bands[0][0] == lat[0] and bands[-1][1] == lat[1]
    band_rows = [round((b - a) / 0.01) + 1 for a, b in bands]
    assert sum(band_rows) == rows and all(r * cols * 4 <= limit for r in band_rows)
    for (_, north), (south, _) in zip(bands, bands[1:], strict=False):
        assert round((south - north) / 0.01) == 1  # next grid row: no gap, no overlap


def test_banded_fetch_joins_in_latitude_order(tmp_path, mur_spec):
    """A loopback ERDDAP that refuses responses over 1.2 MB: with max_request_mb 1 the day is fetched
    in bands that each pass, joined south to north into the same grid one request would give."""
    spec = dataclasses.replace(box(mur_spec, min_lat=10.0, max_lat=20.0, min_lon=0.0, max_lon=10.0),
                               erddap={**mur_spec.erddap, "max_request_mb": 1})
    server = MurErddap(tmp_path, max_bytes=1_200_000)
    with http_server(server) as base:
        ds = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(
            spec, dt.date(2024, 3, 5), tmp_path)
    griddap = [r for r in server.requests if "/griddap/" in r]
    assert len(griddap) == 5  # 1001 rows x 1001 cols x 4 B = 4 MB in bands of 249 rows
    lat = ds.latitude.values
    assert ds.sizes["latitude"] == 1001 and ds.sizes["longitude"] == 1001
    assert lat[0] == 10.0 and lat[-1] == 20.0 and (np.diff(lat) > 0).all()
    np.testing.assert_allclose(np.diff(lat), 0.01, atol=1e-6)
    expected = 20 + 0.001 * lat[:, None] + 0.0001 * ds.longitude.values[None, :] + 273.15
    np.testing.assert_allclose(ds["analysed_sst"].values[0], expected, atol=1e-4)
    assert not list(tmp_path.glob("*band*.nc"))  # band files removed once joined


def test_a_413_reason_is_shown_in_full_on_one_line(tmp_path, mur_spec):
    spec = dataclasses.replace(box(mur_spec, min_lat=10.0, max_lat=20.0, min_lon=0.0, max_lon=10.0),
                               erddap={**mur_spec.erddap, "max_request_mb": 1999})
    server = MurErddap(tmp_path, max_bytes=1_200_000)
    with http_server(server) as base, pytest.raises(PermanentError) as caught:
        ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(
            spec, dt.date(2024, 3, 5), tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "Error {" not in message
    assert "HTTP 413" in message and ("Payload Too Large: Your query produced too much data. Try to request "
                                      "less data. 4 MB is more than the .nc limit of 1 MB." in message)
    assert "lower erddap.max_request_mb" in message
    assert len([r for r in server.requests if "/griddap/" in r]) == 1  # refused for good, not retried


@pytest.mark.parametrize("value", [0, -5, 2500, "big", True])
def test_max_request_mb_must_be_a_size_under_2_gb(mur_spec, value):
    spec = dataclasses.replace(mur_spec, erddap={**mur_spec.erddap, "max_request_mb": value})
    with pytest.raises(ValueError, match="erddap.max_request_mb"):
        ErddapGriddapSource().max_request_bytes(spec)
