"""The raw_zone daily job (land + migrate) and the per-day freshness of its assets."""

from ocean_assets.dagster_support.policy import domain_job, freshness_checks_for
from ocean_assets.defs.raw_zone.assets import (
    GROUP,
    JOB_NAME,
    raw_funding_files,
    validated_funding_files,
)

raw_zone_freshness = freshness_checks_for([raw_funding_files, validated_funding_files])
raw_zone_daily = domain_job(JOB_NAME, GROUP, freshness=raw_zone_freshness)
