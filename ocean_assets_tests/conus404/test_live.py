"""The live path with the real pystac-client, planetary-computer signing and xarray.open_zarr,
against a STAC API on 127.0.0.1 (ephemeral port) whose zarr asset points at a local store."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import planetary_computer
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.conus404.aggregate import aggregate_day
from ocean_assets.core.conus404.rules import check_hours
from ocean_assets.sources.conus404 import (
    DemoSource,
    SourceError,
    StacZarrSource,
    ZarrStoreSource,
    select_source,
    write_store,
)

DAY = dt.date(2022, 9, 29)
GRID = (9, 11)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("conus404") / "conus404.zarr"
    gap = {np.datetime64("2022-09-30T06", "h")}
    return write_store(path, DAY, 2, GRID, skip_hours=gap)


CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "conus404"
PUBLISHED = "https://azureopendatastorage.blob.core.windows.net/noaa/conus404.zarr"


def _stac_app(base: str) -> dict[str, dict]:
    """The landing page, and the real Planetary Computer collection (contract fixture) whose
    zarr-https asset now points at this server instead of Azure."""
    collection = json.loads((CONTRACTS / "collection.json").read_text())
    assert collection["assets"]["zarr-https"]["href"] == PUBLISHED
    collection["assets"]["zarr-https"]["href"] = f"{base}/noaa/conus404.zarr"
    collection["links"] += [{"rel": "self", "href": f"{base}/collections/conus404"},
                            {"rel": "root", "href": f"{base}/"}]
    landing = {
        "type": "Catalog", "stac_version": "1.0.0", "id": "loopback", "description": "test API",
        "conformsTo": ["https://api.stacspec.org/v1.0.0/core",
                       "https://api.stacspec.org/v1.0.0/collections"],
        "links": [{"rel": "self", "href": f"{base}/"}, {"rel": "root", "href": f"{base}/"},
                  {"rel": "data", "href": f"{base}/collections"}],
    }
    return {"/": landing, "/collections/conus404": collection,
            "/collections": {"collections": [collection], "links": []}}


@pytest.fixture
def stac_api(store: Path) -> Iterator[tuple[str, list[str]]]:
    """The STAC API and, under /noaa/conus404.zarr/, the store's files (HTTP, like Azure's)."""
    routes: dict[str, dict] = {}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            path = self.path.split("?")[0]
            seen.append(path)
            prefix = "/noaa/conus404.zarr/"
            if path.startswith(prefix):
                file = store / path[len(prefix):]
                found = file.is_file() and store in file.resolve().parents
                data = file.read_bytes() if found else b""
                kind = "application/octet-stream"
            else:
                body = routes.get(path)
                found = body is not None
                data, kind = json.dumps(body or {"code": "NotFound"}).encode(), "application/json"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    routes.update(_stac_app(base))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, seen
    finally:
        server.shutdown()
        server.server_close()


def test_live_source_through_loopback_stac(stac_api, options) -> None:
    """The published collection, its zarr-https asset and xarray:open_kwargs, as the live source
    reads them; the store (the demo twin's) is read over HTTP from the loopback server."""
    base, seen = stac_api
    source = StacZarrSource(base, "conus404", "zarr-https", modifier=planetary_computer.sign_inplace)
    hourly = source.open_day(DAY)
    assert "/collections/conus404" in seen and "/noaa/conus404.zarr/.zmetadata" in seen
    assert hourly["T2"].dims == ("time", "south_north", "west_east")
    assert hourly["T2"].attrs["units"] == "K"
    assert hourly.sizes["time"] == 25  # D 00:00 .. D+1 00:00
    daily = aggregate_day(hourly, DAY, options)
    reference = aggregate_day(DemoSource(GRID).open_day(DAY), DAY, options)
    for name in reference.data_vars:
        np.testing.assert_array_equal(daily[name].values, reference[name].values, err_msg=name)
    gap_day = source.open_day(DAY + dt.timedelta(days=1))
    outcome = check_hours(gap_day["time"].values, DAY + dt.timedelta(days=1), options.archive_end)
    assert not outcome.passed and "06:00" in outcome.message


def test_live_source_errors_are_clear(stac_api) -> None:
    base, _ = stac_api
    with pytest.raises(SourceError, match="no asset 'nope'"):
        StacZarrSource(base, "conus404", "nope").open_day(DAY)
    with pytest.raises(SourceError, match="cannot read collection"):
        StacZarrSource("http://127.0.0.1:9/", "conus404", "zarr-https").open_day(DAY)


def test_mirror_env_selects_the_local_store(store, options, monkeypatch) -> None:
    monkeypatch.setenv("OCEAN_ASSETS_CONUS404_ZARR", str(store))
    source = select_source(options, "demo")
    assert isinstance(source, ZarrStoreSource)
    assert source.open_day(DAY).sizes["time"] == 25  # D 00:00 .. D+1 00:00
    monkeypatch.setenv("OCEAN_ASSETS_CONUS404_ZARR", str(store.parent / "absent.zarr"))
    with pytest.raises(SourceError, match="cannot open"):
        select_source(options, "demo").open_day(DAY)


def test_cli_runs_the_job_on_a_mirror_and_reports_failed_days(store, monkeypatch,
                                                              data_root) -> None:
    monkeypatch.setenv("OCEAN_ASSETS_CONUS404_ZARR", str(store))
    runner = CliRunner()
    ok = runner.invoke(cli, ["materialize", "--domain", "conus404", "--date", "2022-09-29"])
    assert ok.exit_code == 0, ok.output
    assert (data_root / "conus404" / "daily" / "conus404_daily_20220929.nc").exists()
    gap = runner.invoke(cli, ["materialize", "--domain", "conus404", "--date", "2022-09-30"])
    assert gap.exit_code == 1 and "06:00" in gap.output
    listed = runner.invoke(cli, ["conus404", "failed"])
    assert listed.output.strip() == "2022-09-30"
    retried = runner.invoke(cli, ["conus404", "retry-failed"])
    assert retried.exit_code == 1 and "2022-09-30: FAILED again" in retried.output
    bad = runner.invoke(cli, ["conus404", "make-store", str(data_root / "x.zarr"),
                              "--start", "2022-13-01"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
