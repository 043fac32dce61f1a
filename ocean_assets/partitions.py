"""Partitions shared across domains, so cross-domain dependencies line up day by day."""

import datetime as dt

import dagster as dg

# Daily, UTC day boundaries. The live archives go back further; start here keeps the UI compact
# and can be moved earlier without breaking anything (partitions are only ever added).
DAILY_START = "2020-01-01"
daily_partitions = dg.DailyPartitionsDefinition(start_date=DAILY_START, timezone="UTC")

# Yesterday's partition of a daily asset is expected by 09:00 UTC (sources publish overnight);
# later shows as late in the UI and as lag in /metrics.
DAILY_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 9 * * *", lower_bound_delta=dt.timedelta(hours=24))
