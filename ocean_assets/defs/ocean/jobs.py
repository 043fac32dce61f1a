"""Ocean jobs: the whole domain for a day (main job), and the four downloads (sensor target)."""

import dagster as dg

from ocean_assets.core.ocean.paths import PRODUCTS
from ocean_assets.dagster_support.policy import domain_job, freshness_checks_for
from ocean_assets.defs.ocean import assets
from ocean_assets.partitions import daily_partitions

ocean_freshness = freshness_checks_for([assets.sst, assets.currents, assets.acidity, assets.microplastics,
                                        assets.sst_texture, assets.ocean_corruption_report])
ocean_daily = domain_job("ocean_daily", "ocean", freshness=ocean_freshness,
                         description="Every ocean asset for one day (or a range, as one run) with all checks.")

ocean_products = dg.define_asset_job(
    "ocean_products",
    selection=dg.AssetSelection.assets(*PRODUCTS),
    partitions_def=daily_partitions,
    description="The four daily downloads; textures and the sweep follow by automation.",
)
