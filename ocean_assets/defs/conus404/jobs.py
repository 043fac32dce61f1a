"""The domain's daily job (run by ``ocean-assets materialize``). A closed archive: no freshness."""

from ocean_assets.dagster_support.policy import domain_job
from ocean_assets.defs.conus404.resources import GROUP, conus404_partitions

conus404_daily = domain_job("conus404_daily", GROUP, partitions_def=conus404_partitions,
                            description="CONUS404 hourly -> daily NetCDF + summary for one day, with checks.")
