"""The raw-zone resource: zones under the data root, the schema, thresholds, the file source."""

from __future__ import annotations

from typing import Any

import dagster as dg

from ocean_assets.config import load_config
from ocean_assets.core.raw_zone.validation import load_schema
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.settings import get_settings
from ocean_assets.sources.raw_zone.demo import DemoRawFiles, LiveRawFiles, RawFileSource


class RawZoneResource(dg.ConfigurableResource):
    mode: str = ""

    def config(self) -> dict[str, Any]:
        return load_config("raw_zone")

    def zones(self) -> Zones:
        return Zones(get_settings().data_root)

    def schema(self) -> dict[str, Any]:
        return load_schema(str(get_settings().config_dir / self.config()["schema"]))

    def patterns(self) -> list[str]:
        return list(self.config().get("file_patterns", ["*.json", "*.csv"]))

    def min_free_fraction(self) -> float:
        return float(self.config().get("min_free_disk_fraction", 0.2))

    def max_file_bytes(self) -> int:
        return int(self.config().get("max_file_bytes", 100 * 2**20))

    def source(self) -> RawFileSource:
        if (self.mode or get_settings().mode) == "live":
            return LiveRawFiles()
        demo = self.config().get("demo", {})
        return DemoRawFiles(list(demo.get("sources", ["nsf_ocean"])), int(demo.get("files_per_day", 3)))


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"raw_zone": RawZoneResource()})
