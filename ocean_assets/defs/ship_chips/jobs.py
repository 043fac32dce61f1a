"""The domain's daily job and the sensor that re-requests days whose chip retries are due."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from ocean_assets.core.ship_chips.retry_store import due_days
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.partitions import daily_partitions

ship_chips_daily = dg.define_asset_job(
    "ship_chips_daily", selection=dg.AssetSelection.groups("ship_chips"),
    partitions_def=daily_partitions, tags={"ocean_assets/main_job": "ship_chips"})


def due_run_requests(env: ShipChipsResource, now: dt.datetime) -> list[dg.RunRequest]:
    """One run per day with failed observations whose next_retry_at has passed (bounded by config)."""
    limit = int(env.config().section("retries").get("sensor_limit", 10))
    return [dg.RunRequest(run_key=f"ship_chips-retry-{day}-{count}", partition_key=day,
                          tags={"ocean_assets/retry_count": str(count)})
            for day, count in due_days(env.engine(), now, limit)]


@dg.sensor(job=ship_chips_daily, minimum_interval_seconds=300,
           description="Re-request ship_chips partitions whose failed chips are due for a retry.")
def ship_chips_retry_sensor(context: dg.SensorEvaluationContext):
    requests = due_run_requests(ShipChipsResource(), dt.datetime.now(dt.UTC))
    if not requests:
        return dg.SkipReason("no chip retries due")
    return requests
