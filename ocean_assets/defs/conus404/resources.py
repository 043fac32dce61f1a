"""The conus404 source as a Dagster resource, and the domain's partitions."""

from __future__ import annotations

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
    """Options from config/conus404.yaml and the source chosen by mode / environment."""

    def options(self) -> Conus404Options:
        return load_options()

    def source(self) -> Conus404Source:
        return select_source(self.options(), get_settings().mode)


@dg.definitions
def conus404_resources() -> dg.Definitions:
    return dg.Definitions(resources={"conus404": Conus404Resource()})
