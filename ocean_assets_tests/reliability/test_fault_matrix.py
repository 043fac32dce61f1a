"""Every live HTTP client of the non-ocean domains against the same eight transient faults, served by
loopback servers speaking the real protocol: a STAC API search (pystac-client, ship_chips and
conus404), the Allen Coral Atlas WFS, the NOAA CRW griddap file and the raw-zone drop-box file
endpoint. Each faulted fetch must equal the fault-free fetch; a fault always costs one more request.
(The ocean downloads get the same treatment in test_http_faults.py.)"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import box, mapping

from ocean_assets.core.io import sha256_bytes
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.raw_zone import DemoFundingSource, HttpFundingSource
from ocean_assets.sources.reef_health.allen import AllenWfsSource
from ocean_assets.sources.reef_health.crw import ErddapCrwSource
from ocean_assets.sources.ship_chips.scenes import LiveScenes
from ocean_assets_tests.loopback import (
    ErddapGriddap,
    Faulty,
    http_server,
    reset_fault,
    reset_mid_body_fault,
    send,
    slow_fault,
    stall_fault,
    status_fault,
    truncated_fault,
)
from ocean_assets_tests.reliability.conftest import DAY, FAST

TIMEOUT = 0.4  # the clients' read timeout here; the stall fault waits longer

FAULTS = {
    "429_retry_after": lambda: status_fault(429, b"slow down", {"Retry-After": "0"}),
    "500": lambda: status_fault(500, b"internal error"),
    "503": lambda: status_fault(503, b"maintenance", {"Retry-After": "0"}),
    "reset": reset_fault,
    "reset_mid_body": reset_mid_body_fault,
    "truncated_body": lambda: truncated_fault(0.5),
    "stall_past_timeout": lambda: stall_fault(TIMEOUT * 2),
    "slow_body": lambda: slow_fault(6, TIMEOUT / 8),
}


def json_answer(request, body: Any) -> None:  # noqa: ANN001
    send(request, 200, json.dumps(body).encode(), "application/json")


# STAC API (POST /search) --------------------------------------------------------------------------

def stac_item(i: int) -> dict[str, Any]:
    return {"type": "Feature", "stac_version": "1.0.0", "id": f"S2B_33UUP_20240305_{i}_L2A",
            "collection": "sentinel-2-l2a", "bbox": [14.0, 54.0, 15.0, 55.0],
            "geometry": mapping(box(14.0, 54.0, 15.0, 55.0)), "links": [],
            "properties": {"datetime": "2024-03-05T10:20:31Z", "eo:cloud_cover": 3.5 + i},
            "assets": {"red": {"href": f"https://example.invalid/{i}/B04.tif", "type": "image/tiff"}}}


def stac_endpoint(faults: list) -> tuple[Callable, Callable[[str], Any]]:
    def search(request) -> None:  # noqa: ANN001
        assert request.command == "POST" and json.loads(request.body)["collections"] == ["sentinel-2-l2a"]
        json_answer(request, {"type": "FeatureCollection", "features": [stac_item(0), stac_item(1)], "links": []})

    flaky = Faulty(search, faults)

    def handle(request) -> None:  # noqa: ANN001
        if request.path.startswith("/search"):
            flaky(request)
            return
        base = f"http://{request.headers['Host']}"
        json_answer(request, {"type": "Catalog", "id": "loopback", "stac_version": "1.0.0", "description": "t",
                              "conformsTo": ["https://api.stacspec.org/v1.0.0/core",
                                             "https://api.stacspec.org/v1.0.0/item-search",
                                             "https://api.stacspec.org/v1.0.0/item-search#query"],
                              "links": [{"rel": "self", "href": base + "/"},
                                        {"rel": "search", "href": base + "/search", "method": "POST"}]})

    def fetch(base: str) -> Any:
        start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
        items = LiveScenes(base, backoff_seconds=0.01, timeout=TIMEOUT).search(
            Aoi("33UUP", 32633, (14.2, 54.2, 14.8, 54.8)), start, start + dt.timedelta(days=1), 60)
        return [{k: v for k, v in item.items() if k != "links"} for item in items]  # links name the port

    return handle, fetch, flaky


# Allen Coral Atlas WFS (GeoJSON) -----------------------------------------------------------------

def wfs_endpoint(faults: list):  # noqa: ANN201
    reef = {"type": "Feature", "geometry": mapping(box(145.1, -16.9, 145.2, -16.8)),
            "properties": {"class_name": "Coral/Algae", "area_sqkm": 12.5}}
    flaky = Faulty(lambda r: json_answer(r, {"type": "FeatureCollection", "features": [reef]}), faults)

    def fetch(base: str) -> Any:
        return AllenWfsSource(f"{base}/geoserver/ows", "coral-atlas:benthic_data_verbose", 2.0, ["Coral/Algae"],
                              backoff=FAST, timeout=TIMEOUT).fetch((145.0, -17.0, 146.0, -16.0)).to_json()

    return flaky, fetch, flaky


# NOAA Coral Reef Watch griddap (NetCDF file) ------------------------------------------------------

def crw_endpoint(faults: list, workdir: Path):  # noqa: ANN201
    lat, lon = np.arange(-10.025, -11.0, -0.05), np.arange(145.025, 145.5, 0.05)
    values = np.random.default_rng(3).normal(27, 1, (1, lat.size, lon.size)).astype("float32")
    ds = xr.Dataset({v: (("time", "latitude", "longitude"), values) for v in ("CRW_SST", "CRW_DHW")},
                    coords={"time": pd.to_datetime([f"{DAY}T12:00:00"]), "latitude": lat, "longitude": lon})
    flaky = Faulty(ErddapGriddap({"dhw_5km": ds}, workdir), faults)
    def fetch(base: str) -> Any:
        out = Path(tempfile.mkdtemp(dir=workdir))
        got = ErddapCrwSource(base, "dhw_5km", ["CRW_SST", "CRW_DHW"], backoff=FAST, timeout=TIMEOUT).fetch(
            DAY, (145.0, -10.9, 145.4, -10.0), out)
        return {v: sha256_bytes(got[v].values.tobytes()) for v in got.data_vars} | {"sizes": dict(got.sizes)}

    return flaky, fetch, flaky


# Raw-zone drop box (JSON listing + files) --------------------------------------------------------

def dropbox_endpoint(faults: list):  # noqa: ANN201
    files = {f"{f.source}/{f.name}": f.data for f in DemoFundingSource().fetch(DAY)}
    blob = Faulty(lambda r: send(r, 200, files[urlsplit(r.path).path.removeprefix("/drop/blobs/")],
                                 "application/octet-stream"), faults)

    def handle(request) -> None:  # noqa: ANN001
        url = urlsplit(request.path)
        if url.path == "/drop/files":
            day = parse_qs(url.query)["date"][0]
            json_answer(request, {"files": [
                {"source": k.split("/")[0], "name": k.split("/")[1], "url": f"blobs/{k}", "sha256": sha256_bytes(v)}
                for k, v in sorted(files.items()) if k.split("/")[1].startswith(day)]})
        else:
            blob(request)

    def fetch(base: str) -> Any:
        got = HttpFundingSource(f"{base}/drop/", timeout=TIMEOUT, backoff=FAST).fetch(DAY)
        return [(f.source, f.name, sha256_bytes(f.data)) for f in got]

    return handle, fetch, blob


ENDPOINTS = {
    "stac_search": lambda faults, tmp: stac_endpoint(faults),
    "allen_wfs": lambda faults, tmp: wfs_endpoint(faults),
    "crw_griddap_file": crw_endpoint,
    "raw_zone_dropbox_file": lambda faults, tmp: dropbox_endpoint(faults),
}


CLEAN: dict[str, Any] = {}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_transient_fault_ends_like_a_fault_free_fetch(endpoint, fault, tmp_path):
    if endpoint not in CLEAN:  # the fault-free fetch, once per endpoint
        handle, fetch, _ = ENDPOINTS[endpoint]([], tmp_path)
        with http_server(handle) as base:
            CLEAN[endpoint] = fetch(base)
    clean = CLEAN[endpoint]
    assert clean  # something real to compare against
    handle, fetch, faulted_route = ENDPOINTS[endpoint]([FAULTS[fault]()], tmp_path)
    with http_server(handle) as base:
        flaky = fetch(base)
    assert flaky == clean
    expected = 1 if fault == "slow_body" else 2  # a slow answer within the timeout is not a fault
    assert len(faulted_route.requests) == expected + (len(clean) - 1 if endpoint == "raw_zone_dropbox_file" else 0)
