"""The live CYGNSS client downloads a granule over HTTP (bearer token from the environment) from a
loopback server, normalizes lat/lon and 0..360 longitudes, and subsets the configured region."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ocean_assets.core.ocean.validate import validate_dataset
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.sources.ocean.cygnss import CygnssMicroplasticSource
from ocean_assets_tests.loopback import http_server, send

DAY = dt.date(2024, 3, 5)
FAST = Backoff(attempts=2, base_seconds=0.01, max_seconds=0.02)


def granule(path) -> bytes:
    """A CYGNSS-L3-like global grid: dims (time, lat, lon), lon 0..360, number density in #/km^2."""
    lat = np.arange(-39.875, 40, 0.25)
    lon = np.arange(0.125, 360, 0.25)
    data = np.full((1, lat.size, lon.size), 2.0e4, dtype="float32")
    data[:, np.abs(lat) > 37.5, :] = np.nan
    ds = xr.Dataset({"mp_concentration": (("time", "lat", "lon"), data, {"units": "#/km^2"})},
                    coords={"time": pd.to_datetime(["2024-03-05T12:00:00"]), "lat": lat, "lon": lon})
    ds.to_netcdf(path)
    return path.read_bytes()


def test_download_normalize_and_validate(tmp_path, products, monkeypatch):
    body = granule(tmp_path / "g.nc")
    seen = []

    def serve(request):
        seen.append((request.path, request.headers.get("Authorization")))
        send(request, 200, body)

    monkeypatch.setenv("EARTHDATA_TOKEN", "test-token-123")
    spec = products["microplastics"]
    with http_server(serve) as base:
        source = CygnssMicroplasticSource(url_template=base + "/cyg.s{day:%Y%m%d}.nc", backoff=FAST)
        ds = source.fetch(spec, DAY, tmp_path)
    assert seen == [("/cyg.s20240305.nc", "Bearer test-token-123")]
    assert set(ds.dims) == {"time", "latitude", "longitude"}
    assert float(ds.longitude.min()) >= -180 and float(ds.longitude.max()) <= 180
    assert float(ds.latitude.min()) >= spec.region.min_lat and float(ds.latitude.max()) <= spec.region.max_lat
    assert all(o.passed for o in validate_dataset(ds, spec, DAY)), validate_dataset(ds, spec, DAY)


def test_unauthorized_is_permanent_and_does_not_leak_the_token(tmp_path, products, monkeypatch):
    monkeypatch.setenv("EARTHDATA_TOKEN", "secret-token-xyz")

    def deny(request):
        send(request, 401, b"Unauthorized", "text/plain")

    with http_server(deny) as base:
        source = CygnssMicroplasticSource(url_template=base + "/g{day:%Y%m%d}.nc", backoff=FAST)
        with pytest.raises(PermanentError) as info:
            source.fetch(products["microplastics"], DAY, tmp_path)
    assert "401" in str(info.value) and "secret-token-xyz" not in str(info.value)


# --- real granule names and CMR discovery (contract fixtures) ---------------------------------------

import dataclasses  # noqa: E402

from ocean_assets.sources.ocean.cygnss import GranuleNotPublished, link_for_day  # noqa: E402
from ocean_assets.sources.ocean.demo import demo_dataset  # noqa: E402
from ocean_assets_tests.ocean.contract_servers import (  # noqa: E402
    CMR_CYGNSS,
    REAL_DAY,
    REAL_GRANULE,
    Cmr,
    cygnss_granule,
    granule_name,
)


class Archive:
    """PO.DAAC protected archive: Bearer token required; the granules of ``days`` exist."""

    def __init__(self, tmp_path, days, token="edl-token-abc"):
        self.token, self.requests = token, []
        self.files = {f"/podaac-ops-cumulus-protected/CYGNSS_L3_MICROPLASTIC_V3.2/{granule_name(d)}.nc":
                      cygnss_granule(d, tmp_path / f"{d}.nc") for d in days}

    def __call__(self, request):
        self.requests.append(request.path)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            send(request, 401, b"Unauthorized", "text/plain")
        elif request.path in self.files:
            send(request, 200, self.files[request.path])
        else:
            send(request, 404, b"Not Found", "text/plain")


def with_endpoints(spec, cmr_base=None, archive_base=None):
    template = spec.url_template
    if archive_base:
        template = template.replace("https://archive.podaac.earthdata.nasa.gov", archive_base)
    return dataclasses.replace(spec, cmr_url=(cmr_base + "/search/granules.umm_json") if cmr_base else None,
                               url_template=template)


def test_configured_pattern_is_the_real_granule_name(products):
    url = products["microplastics"].url_template.format(day=REAL_DAY)
    assert url.endswith(f"/CYGNSS_L3_MICROPLASTIC_V3.2/{REAL_GRANULE}.nc")


def test_fixture_answer_yields_the_real_link():
    import json

    link = link_for_day(json.loads(CMR_CYGNSS.read_text()), REAL_DAY)
    assert link == ("https://archive.podaac.earthdata.nasa.gov/podaac-ops-cumulus-protected/"
                    f"CYGNSS_L3_MICROPLASTIC_V3.2/{REAL_GRANULE}.nc")
    assert link_for_day(json.loads(CMR_CYGNSS.read_text()), REAL_DAY + dt.timedelta(days=1)) is None


def test_granule_found_through_cmr_and_downloaded_with_the_token(tmp_path, products, monkeypatch):
    monkeypatch.setenv("EARTHDATA_TOKEN", "edl-token-abc")
    archive = Archive(tmp_path, [REAL_DAY])
    with http_server(archive) as archive_base:
        cmr = Cmr(archive_base)
        with http_server(cmr) as cmr_base:
            spec = with_endpoints(products["microplastics"], cmr_base=cmr_base)
            ds = CygnssMicroplasticSource(backoff=FAST).fetch(spec, REAL_DAY, tmp_path)
    (query,) = cmr.requests
    assert query["short_name"] == ["CYGNSS_L3_MICROPLASTIC_V3.2"]
    assert query["temporal"] == ["2025-09-07T00:00:00Z,2025-09-07T23:59:59Z"]
    assert query["auth"] == [""]  # the Earthdata token goes to the archive only
    assert archive.requests == [f"/podaac-ops-cumulus-protected/CYGNSS_L3_MICROPLASTIC_V3.2/{REAL_GRANULE}.nc"]
    assert str(ds.time.values[0])[:19] == "2025-09-07T12:00:00"
    assert ds["mp_concentration"].attrs["units"] == "km-2"
    assert all(o.passed for o in validate_dataset(ds, spec, REAL_DAY)), validate_dataset(ds, spec, REAL_DAY)


def test_a_day_cmr_does_not_list_is_not_published(tmp_path, products):
    archive = Archive(tmp_path, [REAL_DAY])
    later = REAL_DAY + dt.timedelta(days=3)
    with http_server(archive) as archive_base, http_server(Cmr(archive_base)) as cmr_base:
        spec = with_endpoints(products["microplastics"], cmr_base=cmr_base)
        with pytest.raises(GranuleNotPublished, match=rf"{later}: not published \(yet\)"):
            CygnssMicroplasticSource(backoff=FAST).fetch(spec, later, tmp_path)
    assert archive.requests == []  # no 404 to misread


def test_cmr_unreachable_falls_back_to_the_real_pattern(tmp_path, products, monkeypatch):
    monkeypatch.setenv("EARTHDATA_TOKEN", "edl-token-abc")
    archive = Archive(tmp_path, [REAL_DAY])
    down = []

    def unavailable(request):
        down.append(request.path)
        send(request, 503, b"Service Unavailable", "text/plain")

    with http_server(archive) as archive_base, http_server(unavailable) as cmr_base:
        spec = with_endpoints(products["microplastics"], cmr_base=cmr_base, archive_base=archive_base)
        ds = CygnssMicroplasticSource(backoff=FAST).fetch(spec, REAL_DAY, tmp_path)
    assert len(down) == FAST.attempts and archive.requests[-1].endswith(f"/{REAL_GRANULE}.nc")
    assert ds.sizes["time"] == 1


def test_template_404_is_not_published_not_a_bare_404(tmp_path, products, monkeypatch):
    monkeypatch.setenv("EARTHDATA_TOKEN", "edl-token-abc")
    with http_server(Archive(tmp_path, [REAL_DAY])) as archive_base:
        spec = with_endpoints(products["microplastics"], archive_base=archive_base)
        with pytest.raises(GranuleNotPublished, match="not published") as info:
            CygnssMicroplasticSource(backoff=FAST).fetch(spec, REAL_DAY + dt.timedelta(days=1), tmp_path)
    assert "cyg.ddmi.s20250908-120000-e20250908-120000" in str(info.value)


def test_demo_twin_matches_the_live_granule(tmp_path, products, monkeypatch):
    """Names, units, dims, shape, grid and noon stamp of the demo day equal the live client's."""
    monkeypatch.setenv("EARTHDATA_TOKEN", "edl-token-abc")
    spec = products["microplastics"]
    with http_server(Archive(tmp_path, [REAL_DAY])) as archive_base:
        live = CygnssMicroplasticSource(backoff=FAST).fetch(
            with_endpoints(spec, archive_base=archive_base), REAL_DAY, tmp_path)
    demo = demo_dataset(spec, REAL_DAY)
    assert set(demo.data_vars) == set(live.data_vars) == {"mp_concentration"}
    for name in demo.data_vars:
        assert demo[name].dims == live[name].dims
        assert demo[name].shape == live[name].shape
        assert demo[name].attrs["units"] == live[name].attrs["units"]
    for axis in ("latitude", "longitude"):
        np.testing.assert_allclose(demo[axis].values, live[axis].values)
    assert demo.time.values[0] == live.time.values[0]
