"""ocean-assets: one Dagster asset graph for ocean, climate and earth-observation data."""

import warnings

__version__ = "0.1.0"

# Dagster warnings about its own API that a user cannot act on, silenced once for every process
# (CLI, `dagster dev`, tests): dagster's internal sensor copy passes owners=[] (beta parameter);
# backfill_policy is beta but is how ranges run as one run; the conus404 job's one-run-per-day
# policy differs from the others' single run on purpose (dagster_support/policy.py).
warnings.filterwarnings("ignore", message=r"Parameter `owners` of initializer `SensorDefinition")
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy` of function `asset`")
warnings.filterwarnings("ignore", message=r"Asset job .* varying BackfillPolicies")
