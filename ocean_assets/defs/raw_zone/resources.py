"""The raw_zone resource: zones, schema, settings and the funding source, resolved at run time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg

from ocean_assets.config import load_config
from ocean_assets.core.raw_zone.inventory import Partitions
from ocean_assets.core.raw_zone.validation import load_schema
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.partitions import DAILY_START, daily_partitions
from ocean_assets.settings import get_settings
from ocean_assets.sources.raw_zone import FundingSource, make_source

RESOURCE_KEY = "raw_zone"


class RawZoneResource(dg.ConfigurableResource):
    """Empty fields fall back to the environment (OCEAN_ASSETS_DATA_ROOT, OCEAN_ASSETS_MODE)."""

    data_root: str = ""
    mode: str = ""

    def settings(self) -> dict[str, Any]:
        return load_config("raw_zone")

    def zones(self) -> Zones:
        return Zones(Path(self.data_root) if self.data_root else get_settings().data_root)

    def schema(self) -> dict[str, Any]:
        name = self.settings()["schema"]
        return load_schema(get_settings().config_dir / "schemas" / f"{name}.json")

    def partitions(self) -> Partitions:
        """The daily partitions open now (the last one is yesterday, UTC)."""
        return current_partitions()

    def source(self) -> FundingSource:
        cfg = self.settings()
        return make_source(self.mode or get_settings().mode, cfg["sources"],
                           cfg["live"], dict(os.environ))


def current_partitions() -> Partitions:
    first = daily_partitions.get_first_partition_key() or DAILY_START
    return Partitions(first, daily_partitions.get_last_partition_key() or first)


defs = dg.Definitions(resources={RESOURCE_KEY: RawZoneResource()})
