"""Fixtures of the ship_chips tests: the domain config and one demo scene with its AIS tracks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ocean_assets.config import load_config
from ocean_assets.core.ship_chips.chipping import scene_time
from ocean_assets.core.ship_chips.settings import ChipConfig
from ocean_assets.sources.ship_chips.ais import DemoAis
from ocean_assets.sources.ship_chips.scenes import DemoScenes

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
