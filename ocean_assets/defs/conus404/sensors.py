"""Catch-up for the fixed archive: request a bounded number of missing days per tick."""


import datetime as dt

import dagster as dg

from ocean_assets.core.conus404.options import load_options
from ocean_assets.defs.conus404.assets import conus404_daily_nc
from ocean_assets.defs.conus404.jobs import conus404_daily

IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
             dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def missing_days(window: list[str], materialized: set[str], in_flight: set[str], limit: int
                 ) -> list[str]:
    """The first ``limit`` days of ``window`` neither materialized nor already running."""
    return [k for k in window if k not in materialized and k not in in_flight][:limit]


@dg.sensor(job=conus404_daily, minimum_interval_seconds=300,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Fills missing days of the configured window, max_per_tick runs per tick.")
def conus404_catchup_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    options = load_options()
    start = max(options.window_start, options.archive_start)
    end = min(options.window_end, options.archive_end)
    window = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    materialized = set(context.instance.get_materialized_partitions(conus404_daily_nc.key))
    runs = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=conus404_daily.name, statuses=IN_FLIGHT))
    in_flight = {r.tags.get("dagster/partition") for r in runs}
    todo = missing_days(window, materialized, in_flight, options.max_per_tick)
    if not todo:
        return dg.SensorResult(skip_reason=f"no missing day in {start} .. {end}")
    return dg.SensorResult(run_requests=[dg.RunRequest(partition_key=k) for k in todo])
