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
