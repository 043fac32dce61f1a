"""The domain resource: configuration, dataset root, sources (demo or live) and the retry database."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from ocean_assets.config import ConfigError, load_config
from ocean_assets.core.retry import Backoff
from ocean_assets.core.ship_chips.retry_store import engine_for
from ocean_assets.core.ship_chips.settings import ChipConfig
from ocean_assets.settings import get_settings
from ocean_assets.sources.ship_chips.ais import AisSource, DemoAis, LiveAis
from ocean_assets.sources.ship_chips.scenes import DemoScenes, LiveScenes, SceneSource

AIS_KEY_ENV = "AISSTREAM_API_KEY"


class ShipChipsResource(dg.ConfigurableResource):
    """Everything the assets, checks and sensors need at run time; nothing is read at import time.
    Empty fields fall back to the environment (OCEAN_ASSETS_MODE, OCEAN_ASSETS_DATA_ROOT,
    DATABASE_URL)."""

    mode: str | None = None  # demo | live
    data_root: str = ""  # the dataset goes to <data_root>/ship_chips unless the config names one
    database_url: str = ""  # the retry store

    def _mode(self) -> str:
        return self.mode or get_settings().mode

    def is_live(self) -> bool:
        return self._mode() == "live"

    def config_dir(self) -> Path:
        return get_settings().config_dir

    def config(self) -> ChipConfig:
        root = Path(self.data_root) if self.data_root else get_settings().data_root
        return ChipConfig.from_dict(load_config("ship_chips"), root)

    def dataset_root(self) -> Path:
        return self.config().dataset_root

    def scenes(self) -> SceneSource:
        cfg = self.config()
        demo = cfg.section("demo")
        if self._mode() == "live":
            stac = cfg.section("stac")
            return LiveScenes(stac["endpoint"], stac["collection"])
        return DemoScenes(cfg.dataset_root / "demo_scenes", demo["size_px"], demo["vessels"])

    def ais(self) -> AisSource:
        cfg = self.config()
        if self._mode() == "live":
            key = get_settings().ais_api_key
            if not key:
                raise ConfigError(f"live AIS needs the {AIS_KEY_ENV} environment variable")
            ais = cfg.section("ais")
            return LiveAis(ais["endpoint"], key, max_messages=ais["max_messages"])
        demo = cfg.section("demo")
        return DemoAis(demo["size_px"], demo["vessels"])

    def engine(self) -> sa.Engine:
        return engine_for(self.database_url or get_settings().database_url)

    def backoff(self) -> Backoff:
        r = self.config().section("retries")
        return Backoff(base_seconds=r["base_seconds"], max_seconds=r["max_seconds"], jitter=False)


defs = dg.Definitions(resources={"ship_chips_env": ShipChipsResource()})
