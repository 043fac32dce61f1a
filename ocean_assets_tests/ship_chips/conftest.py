"""Fixtures of the ship_chips tests: the domain config and one demo scene with its AIS tracks."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ocean_assets.config import load_config
from ocean_assets.core.ship_chips.chipping import scene_time
from ocean_assets.core.ship_chips.settings import ChipConfig
from ocean_assets.sources.ship_chips.ais import DemoAis
from ocean_assets.sources.ship_chips.scenes import DemoScenes

from .servers import stac_handler

DAY = dt.date(2026, 4, 10)


@pytest.fixture
def cfg(data_root: Path) -> ChipConfig:
    return ChipConfig.from_dict(load_config("ship_chips"), data_root)


@pytest.fixture
def demo_day(cfg: ChipConfig):
    """(items, ais) for DAY: one demo scene written as COGs and the vessels' AIS reports."""
    aoi = cfg.aois[0]
    start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
    items = DemoScenes(cfg.dataset_root / "demo_scenes").search(aoi, start, start + dt.timedelta(days=1), 100)
    t0 = scene_time(items[0])
    ais = DemoAis().positions(aoi, [(t0 - dt.timedelta(minutes=5), t0 + dt.timedelta(minutes=5))])
    return items, ais


@pytest.fixture
def stac_api(demo_day) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    items, _ = demo_day
    seen: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), stac_handler(items, seen))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
