"""The domain's daily job (run by ``ocean-assets materialize``)."""

import dagster as dg

from ocean_assets.defs.conus404.resources import GROUP, conus404_partitions

conus404_daily = dg.define_asset_job(
    "conus404_daily",
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=conus404_partitions,
    tags={"ocean_assets/main_job": "conus404"},
    description="CONUS404 hourly -> daily NetCDF + summary for one day, with checks.",
)
