"""The raw_zone daily job (land + migrate)."""

import dagster as dg

from ocean_assets.defs.raw_zone.assets import GROUP, JOB_NAME
from ocean_assets.partitions import daily_partitions

raw_zone_daily = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=daily_partitions,
    tags={"ocean_assets/main_job": "raw_zone"},
)
