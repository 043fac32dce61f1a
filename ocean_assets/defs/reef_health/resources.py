"""The reef-health resource: config, sources (live or demo), the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Engine

from ocean_assets.config import load_config
from ocean_assets.core.reef_health.scoring import ScoreConfig
from ocean_assets.core.retry import Backoff
from ocean_assets.db import get_engine, migrate
from ocean_assets.settings import get_settings
from ocean_assets.sources.reef_health.allen import (
    AllenWfsSource,
    DemoAllenSource,
    ReefPolygonSource,
)
from ocean_assets.sources.reef_health.crw import CrwSource, DemoCrwSource, ErddapCrwSource


class ReefHealthResource(dg.ConfigurableResource):
    mode: str = ""
    database_url: str = ""  # empty: DATABASE_URL, else the SQLite file under the data root

    def config(self) -> dict[str, Any]:
        return load_config("reef_health")

    def live(self) -> bool:
        return (self.mode or get_settings().mode) == "live"

    def bbox(self) -> tuple[float, float, float, float]:
        r = self.config()["region"]
        return (float(r["min_lon"]), float(r["min_lat"]), float(r["max_lon"]), float(r["max_lat"]))

    def polygons(self) -> ReefPolygonSource:
        allen = self.config()["allen"]
        if self.live():
            return AllenWfsSource(allen["wfs_url"], allen["type_name"], allen["tile_degrees"],
                                  allen["classes"])
        return DemoAllenSource(classes=allen["classes"])

    def crw(self) -> CrwSource:
        crw = self.config()["crw"]
        if self.live():
            return ErddapCrwSource(crw["server"], crw["dataset_id"], list(crw["variables"]),
                                   crw["latitude_descending"])
        return DemoCrwSource(crw["demo_resolution"])

    def score_config(self) -> ScoreConfig:
        return ScoreConfig.from_config(self.config()["score"])

    def database_backoff(self) -> Backoff:
        r = self.config()["database_retry"]
        return Backoff(attempts=r["attempts"], base_seconds=r["base_seconds"], max_seconds=r["max_seconds"])

    def engine(self) -> Engine:
        url = self.database_url or None
        migrate(url)
        return get_engine(url)

    def data_dir(self) -> Path:
        return get_settings().data_root / "reef_health"


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"reef_health": ReefHealthResource()})
