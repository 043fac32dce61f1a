"""Partitions shared across domains, so cross-domain dependencies line up day by day."""

import dagster as dg

# Daily, UTC day boundaries. The live archives go back further; start here keeps the UI compact
# and can be moved earlier without breaking anything (partitions are only ever added).
DAILY_START = "2020-01-01"
daily_partitions = dg.DailyPartitionsDefinition(start_date=DAILY_START, timezone="UTC")

# Lateness (yesterday's partition expected by 09:00 UTC) is judged per day: see dagster_support.policy.
