"""Dagster helpers shared by every domain's defs (platform code: no domain imports here).

- ``daily_asset`` / ``Day`` / ``DayOutput``: the one per-day helper every daily asset goes through.
- ``partitioned_checks`` / ``CheckRule``: one check evaluation per partition and rule.
- ``continuation``: follow-up runs for the good days of a partly failed range.
- ``policy``: owners, backfill policy and freshness, set in one place.
- ``storage``: the SQLite event-log storage configured in dagster.yaml (one engine per shard).
"""

from ocean_assets.dagster_support.checks import CheckRule, partitioned_checks
from ocean_assets.dagster_support.common import (
    REMOTE_RETRY,
    fail_permanently,
    file_metadata,
    run_partition_keys,
)
from ocean_assets.dagster_support.daily import Day, DayFailure, DayOutput, daily_asset

__all__ = ["REMOTE_RETRY", "CheckRule", "Day", "DayFailure", "DayOutput", "daily_asset", "fail_permanently",
           "file_metadata", "partitioned_checks", "run_partition_keys"]
