"""Live clients against loopback servers speaking the real protocols (pystac-client, websockets)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import yaml

from ocean_assets.config import load_config
from ocean_assets.core.retry import PermanentError
from ocean_assets.core.ship_chips import chipping
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips.capture import CaptureWindow, write_capture
from ocean_assets.core.ship_chips.settings import ChipConfig
from ocean_assets.settings import PROJECT_ROOT, get_settings
from ocean_assets.sources.ship_chips.ais import DemoAis, LiveAis, parse_frames
from ocean_assets.sources.ship_chips.scenes import LiveScenes

from .conftest import DAY
from .servers import stac_handler, ws_server


def load_chip_config() -> ChipConfig:
    return ChipConfig.from_dict(load_config("ship_chips"), get_settings().data_root)

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


@pytest.fixture
def ais_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    frames = [_frame(244123456, 52.45, 4.42, "2026-04-10 10:39:25.26746452 +0000 UTC"),
              _frame(244123457, 10.0, 10.0, "2026-04-10 10:39:26.1 +0000 UTC"),  # outside the box
              {"MessageType": "ShipStaticData", "MetaData": {"MMSI": 1}, "Message": {}},
              _frame(244123456, 52.451, 4.421, "2026-04-10 10:39:35.0 +0000 UTC")]
    with ws_server(frames) as server:
        yield server


def _until(seconds: float = 10) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now, now + dt.timedelta(seconds=seconds)


def test_live_ais_subscribes_to_the_tile_box_and_keeps_position_reports(cfg, ais_server):
    url, subs = ais_server
    aoi = cfg.aois[0]
    got = LiveAis(url, "good-key").capture(aoi, *_until())
    w, s, e, n = aoi.bbox
    assert subs[-1]["BoundingBoxes"] == [[[s, w], [n, e]]]
    assert subs[-1]["FilterMessageTypes"] == ["PositionReport", "ShipStaticData"]
    frame = parse_frames(got.frames, aoi.tile, aoi.bbox).positions
    assert list(frame["mmsi"]) == [244123456, 244123456]
    assert frame["ship_name"][0] == "TEST SHIP" and frame["true_heading"][0] == 511
    assert frame["time_utc"][0] == pd.Timestamp("2026-04-10T10:39:25.26746452Z")
    assert got.malformed == 1  # the ShipStaticData frame without an MMSI


def test_live_ais_bad_key_is_a_permanent_error_without_the_key(cfg, ais_server):
    url, _ = ais_server
    with pytest.raises(PermanentError, match="Api Key Is Not Valid") as info:
        LiveAis(url, "secret-bad-key").capture(cfg.aois[0], *_until())
    assert "secret-bad-key" not in str(info.value)


def live_config(tmp_path: Path, stac_url: str, ws_url: str, **ais: object) -> Path:
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "ship_chips.yaml").read_text())
    raw["stac"]["endpoint"], raw["ais"]["endpoint"] = stac_url, ws_url
    raw["ais"].update(ais)
    conf = tmp_path / "live_config"
    conf.mkdir(exist_ok=True)
    (conf / "ship_chips.yaml").write_text(yaml.safe_dump(raw))
    return conf


def test_live_mode_day_chips_the_ais_captured_during_the_pass(demo_day, stac_api, instance, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """STAC API on loopback; the AIS of the pass sits in the capture store, as the capture run wrote
    it during the window (raw aisstream frames): the live day keeps the same 3 chips as demo, with
    positions interpolated to the sensing time and the vessels' static data joined."""
    from ocean_assets.location import load_definitions

    items, _ = demo_day
    t0 = chipping.scene_time(items[0])
    aoi = load_chip_config().aois[0]
    pad = dt.timedelta(minutes=5)
    window = CaptureWindow(aoi.tile, t0 - pad, t0 + pad, t0, t0)
    frames = DemoAis().capture(aoi, window.start, window.end).frames  # the frames the stream sent then
    write_capture(load_chip_config().dataset_root, window, frames, captured_from=window.start,
                  captured_to=window.end)
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(live_config(tmp_path, stac_api[0], "ws://127.0.0.1:9")))
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
    monkeypatch.setenv("AISSTREAM_API_KEY", "good-key")
    result = load_definitions().resolve_job_def("ship_chips_daily").execute_in_process(
        instance=instance, partition_key="2026-04-10")
    assert result.success
    mat = instance.get_latest_materialization_event(dg.AssetKey("ship_chips")).asset_materialization
    assert mat.metadata["kept"].value == 3 and mat.metadata["position_methods"].value == {"interpolated": 9}
    index = idx.read_index(load_chip_config().dataset_root)
    assert set(index["ship_type"]) == {70} and set(index["length_m"]) == {120.0} and set(index["beam_m"]) == {20.0}
    # the scene's item says earthsearch:boa_offset_applied (as Earth Search's 04.00+ items): no second offset
    assert (index["ais_offset_s"].abs() <= 5).all() and set(index["boa_add_offset"]) == {0}


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
        client = LiveAis(url, "good-key")
        got = client.capture(cfg.aois[0], *_until())
    frame = parse_frames(got.frames, cfg.aois[0].tile).positions
    assert sorted(frame["mmsi"]) == [244000000 + i for i in range(4)]
    assert client.reconnects == 1 and client.malformed == 2 and len(connections) == 2


def test_live_stac_search_survives_429_and_503(cfg, demo_day):
    """pystac-client through our retrying StacApiIO: a 429 (Retry-After) and a 503 on the search, then
    the answer; the result equals a fault-free search."""
    items, _ = demo_day
    seen: list[dict[str, Any]] = []
    faults = [429, 503]
    base = stac_handler(items, seen)

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
