"""The conus404 source as a Dagster resource, and the domain's partitions."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ocean_assets.core.conus404.options import Conus404Options, load_options
from ocean_assets.settings import get_settings
from ocean_assets.sources.conus404 import Conus404Source, select_source

GROUP = "conus404"
# The archive's bounds (config archive.start/end); the end date is exclusive here.
conus404_partitions = dg.DailyPartitionsDefinition(
    start_date="1979-10-01", end_date="2022-10-01", timezone="UTC"
)


class Conus404Resource(dg.ConfigurableResource):
    """Options from config/conus404.yaml, the source chosen by mode / environment, and where the
    outputs go. Empty fields fall back to the environment (OCEAN_ASSETS_MODE,
    OCEAN_ASSETS_DATA_ROOT)."""

    mode: str = ""  # demo | live
    data_root: str = ""

    def options(self) -> Conus404Options:
        return load_options()

    def source(self) -> Conus404Source:
        return select_source(self.options(), self.mode or get_settings().mode)

    def root(self) -> Path:
        """The data root the assets write under and the checks read from."""
        return Path(self.data_root) if self.data_root else get_settings().data_root


@dg.definitions
def conus404_resources() -> dg.Definitions:
    return dg.Definitions(resources={"conus404": Conus404Resource()})
