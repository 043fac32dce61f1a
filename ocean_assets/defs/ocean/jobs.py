"""Ocean jobs: the whole domain for a day (main job), and the four downloads (sensor target)."""

import dagster as dg

from ocean_assets.core.ocean.paths import PRODUCTS
from ocean_assets.partitions import daily_partitions

ocean_daily = dg.define_asset_job(
    "ocean_daily",
    selection=dg.AssetSelection.groups("ocean"),
    partitions_def=daily_partitions,
    tags={"ocean_assets/main_job": "ocean"},
    description="Every ocean asset for one day (or a range, as one run) with all checks.",
)

ocean_products = dg.define_asset_job(
    "ocean_products",
    selection=dg.AssetSelection.assets(*PRODUCTS),
    partitions_def=daily_partitions,
    description="The four daily downloads; textures and the sweep follow by automation.",
)
