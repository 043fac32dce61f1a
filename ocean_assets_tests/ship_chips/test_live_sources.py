"""Live clients against loopback servers speaking the real protocols (pystac-client, websockets)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import yaml
from websockets.asyncio.server import serve

from ocean_assets.core.retry import PermanentError
from ocean_assets.core.ship_chips import chipping
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets.sources.ship_chips.ais import LiveAis
from ocean_assets.sources.ship_chips.scenes import LiveScenes

from .conftest import DAY

CONFORMS = ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search",
            "https://api.stacspec.org/v1.0.0/item-search#query"]


def _stac_handler(items: list[dict[str, Any]], seen: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            self._send({"type": "Catalog", "id": "loopback", "stac_version": "1.0.0", "description": "test",
                        "conformsTo": CONFORMS,
                        "links": [{"rel": "self", "href": base + "/"}, {"rel": "root", "href": base + "/"},
                                  {"rel": "search", "href": base + "/search", "method": "POST",
                                   "type": "application/geo+json"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            start, end = (pd.Timestamp(t) for t in body["datetime"].split("/"))
            lt = body.get("query", {}).get("eo:cloud_cover", {}).get("lt", 101)
            hits = [i for i in items if start <= pd.Timestamp(i["properties"]["datetime"]) <= end
                    and i["properties"]["eo:cloud_cover"] < lt and i["collection"] in body["collections"]]
            self._send({"type": "FeatureCollection", "features": hits, "links": []})

    return Handler


@pytest.fixture
def stac_api(demo_day) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    items, _ = demo_day
    seen: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _stac_handler(items, seen))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_live_stac_search_returns_items_whose_cogs_chip(cfg, demo_day, stac_api):
    url, seen = stac_api
    aoi = cfg.aois[0]
    start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
    found = LiveScenes(url).search(aoi, start, start + dt.timedelta(days=1), 60)
    assert [i["id"] for i in found] == [demo_day[0][0]["id"]]
    request = seen[-1]
    assert request["collections"] == ["sentinel-2-l2a"] and request["bbox"] == list(aoi.bbox)
    assert request["query"] == {"eo:cloud_cover": {"lt": 60}}
    # The returned items drive the same windowed chipping as the demo path.
    obs = chipping.match_observations(demo_day[1], found, 10)
    rec = [chipping.process_observation(o, cfg.dataset_root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
           for o in obs]
    assert sum(r["status"] == "kept" for r in rec) == 3
    # A cloud-cover limit below the scene's cover finds nothing.
    assert LiveScenes(url).search(aoi, start, start + dt.timedelta(days=1), 1) == []


def _frame(mmsi: int, lat: float, lon: float, when: str) -> dict[str, Any]:
    return {"MessageType": "PositionReport",
            "MetaData": {"MMSI": mmsi, "ShipName": "TEST SHIP   ", "latitude": lat, "longitude": lon,
                         "time_utc": when},
            "Message": {"PositionReport": {"Sog": 8.2, "Cog": 45.0, "TrueHeading": 511, "NavigationalStatus": 0,
                                           "Latitude": lat, "Longitude": lon, "UserID": mmsi}}}


@contextlib.contextmanager
def ws_server(frames: list[dict[str, Any]], custom=None) -> Iterator[tuple[str, list[dict[str, Any]]]]:  # noqa: ANN001
    """An aisstream-like websocket server on 127.0.0.1 (ephemeral port) replaying ``frames``
    (or running the ``custom`` connection handler instead)."""
    subscriptions: list[dict[str, Any]] = []

    async def replay(ws) -> None:
        sub = json.loads(await asyncio.wait_for(ws.recv(), 3))
        subscriptions.append(sub)
        if sub.get("APIKey") != "good-key":
            await ws.send(json.dumps({"error": "Api Key Is Not Valid"}))
            await ws.close()
            return
        for f in frames:
            await ws.send(json.dumps(f))
        await ws.close()

    ready, port = threading.Event(), []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with serve(custom or replay, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(5)
    try:
        yield f"ws://127.0.0.1:{port[0]}", subscriptions
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)


@pytest.fixture
def ais_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    frames = [_frame(244123456, 52.45, 4.42, "2026-04-10 10:39:25.26746452 +0000 UTC"),
              _frame(244123457, 10.0, 10.0, "2026-04-10 10:39:26.1 +0000 UTC"),  # outside the box
              {"MessageType": "ShipStaticData", "MetaData": {"MMSI": 1}, "Message": {}},
              _frame(244123456, 52.451, 4.421, "2026-04-10 10:39:35.0 +0000 UTC")]
    with ws_server(frames) as server:
        yield server


def test_live_ais_subscribes_to_the_tile_box_and_parses_position_reports(cfg, ais_server):
    url, subs = ais_server
    aoi = cfg.aois[0]
    frame = LiveAis(url, "good-key", capture_s=5).positions(aoi, [])
    w, s, e, n = aoi.bbox
    assert subs[-1]["BoundingBoxes"] == [[[s, w], [n, e]]]
    assert subs[-1]["FilterMessageTypes"] == ["PositionReport"]
    assert list(frame["mmsi"]) == [244123456, 244123456]
    assert frame["ship_name"][0] == "TEST SHIP" and frame["true_heading"][0] == 511
    assert frame["time_utc"][0] == pd.Timestamp("2026-04-10T10:39:25.26746452Z")


def test_live_ais_bad_key_is_a_permanent_error_without_the_key(cfg, ais_server):
    url, _ = ais_server
    with pytest.raises(PermanentError, match="Api Key Is Not Valid") as info:
        LiveAis(url, "secret-bad-key", capture_s=5).positions(cfg.aois[0], [])
    assert "secret-bad-key" not in str(info.value)


def _live_config(tmp_path: Path, stac_url: str, ws_url: str) -> Path:
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "ship_chips.yaml").read_text())
    raw["stac"]["endpoint"], raw["ais"]["endpoint"] = stac_url, ws_url
    raw["ais"]["live_capture_seconds"] = 5
    conf = tmp_path / "live_config"
    conf.mkdir()
    (conf / "ship_chips.yaml").write_text(yaml.safe_dump(raw))
    return conf


def test_live_mode_day_runs_end_to_end_on_loopback_services(demo_day, stac_api, instance, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    """STAC API + aisstream replay of the demo vessels: the live path keeps the same 3 chips."""
    from ocean_assets.cli._common import load_definitions

    items, ais = demo_day
    frames = [_frame(int(r.mmsi), r.latitude, r.longitude,
                     r.time_utc.strftime("%Y-%m-%d %H:%M:%S.%f") + "00 +0000 UTC") for r in ais.itertuples()]
    with ws_server(frames) as (ws_url, _):
        monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(_live_config(tmp_path, stac_api[0], ws_url)))
        monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
        monkeypatch.setenv("AISSTREAM_API_KEY", "good-key")
        job = load_definitions().resolve_job_def("ship_chips_daily")
        result = job.execute_in_process(instance=instance, partition_key="2026-04-10")
        assert result.success
        mat = instance.get_latest_materialization_event(dg.AssetKey("ship_chips")).asset_materialization
        assert mat.metadata["kept"].value == 3
        # A rejected key fails the AIS step at once (no Dagster retries) and names no secret.
        monkeypatch.setenv("AISSTREAM_API_KEY", "bad-secret")
        bad = job.execute_in_process(instance=instance, partition_key="2026-04-10", raise_on_error=False)
    assert not bad.success
    failures = [e for e in bad.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["ais_snapshots"]
    assert "bad-secret" not in str(failures[0].event_specific_data.error)
    assert not [e for e in bad.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


def test_live_ais_reconnects_after_a_drop_and_skips_malformed_frames(cfg):
    """The stream drops without a close frame after two reports; the client reconnects and goes on;
    frames with missing or absurd fields are skipped, not fatal."""
    lat, lon = (cfg.aois[0].bbox[1] + cfg.aois[0].bbox[3]) / 2, (cfg.aois[0].bbox[0] + cfg.aois[0].bbox[2]) / 2
    good = [_frame(244000000 + i, lat, lon, f"2026-04-10 10:39:{20 + i}.0 +0000 UTC") for i in range(4)]
    connections = []

    async def handler(ws) -> None:
        await asyncio.wait_for(ws.recv(), 3)
        connections.append(1)
        if len(connections) == 1:
            for f in good[:2]:
                await ws.send(json.dumps(f))
            ws.transport.abort()  # drop mid-stream, no close frame
            return
        for f in good[2:]:
            await ws.send(json.dumps(f))
        await ws.send("not json")
        await ws.send(json.dumps({"MessageType": "PositionReport", "MetaData": {"MMSI": "x"}, "Message": {}}))
        await ws.close()

    with ws_server([], custom=handler) as (url, _):
        client = LiveAis(url, "good-key", capture_s=10)
        frame = client.positions(cfg.aois[0], [])
    assert sorted(frame["mmsi"]) == [244000000 + i for i in range(4)]
    assert client.reconnects == 1 and client.malformed == 2 and len(connections) == 2


def test_live_stac_search_survives_429_and_503(cfg, demo_day):
    """pystac-client through our retrying StacApiIO: a 429 (Retry-After) and a 503 on the search, then
    the answer; the result equals a fault-free search."""
    items, _ = demo_day
    seen: list[dict[str, Any]] = []
    faults = [429, 503]
    base = _stac_handler(items, seen)

    class Flaky(base):
        def do_POST(self) -> None:  # noqa: N802
            if faults:
                status = faults.pop(0)
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(status)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_POST()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
        found = LiveScenes(f"http://127.0.0.1:{server.server_address[1]}", backoff_seconds=0.01).search(
            cfg.aois[0], start, start + dt.timedelta(days=1), 60)
    finally:
        server.shutdown()
        server.server_close()
    assert not faults and len(seen) == 1
    assert [i["id"] for i in found] == [items[0]["id"]]
