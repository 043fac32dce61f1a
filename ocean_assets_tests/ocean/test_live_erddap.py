"""The live ERDDAP griddap client (real HTTP, real NetCDF) against a loopback griddap server."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ocean_assets.core.ocean.validate import validate_dataset
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.sources.ocean.erddap import ErddapGriddapSource, griddap_url
from ocean_assets_tests.loopback import ErddapGriddap, http_server, mur_like_dataset, send

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
    assert len(server.requests) == 1  # not retried
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
    assert len(calls) == 3 and ds.sizes["time"] == 1


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
