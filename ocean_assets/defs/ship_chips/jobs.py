"""The domain's daily job and the sensor that re-requests days whose chip retries are due."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from ocean_assets.core.ship_chips.retry_store import due_days
from ocean_assets.dagster_support.policy import domain_job, freshness_checks_for
from ocean_assets.defs.ship_chips import assets
from ocean_assets.defs.ship_chips.resources import ShipChipsResource

ship_chips_freshness = freshness_checks_for([assets.overpass_schedule, assets.ais_snapshots, assets.s2_scenes,
                                             assets.ship_chips, assets.chip_index, assets.stac_catalog,
                                             assets.dataset_manifest, assets.qa_report])
ship_chips_daily = domain_job("ship_chips_daily", "ship_chips", freshness=ship_chips_freshness)


def due_run_requests(env: ShipChipsResource, now: dt.datetime) -> list[dg.RunRequest]:
    """One run per day with failed observations whose next_retry_at has passed (bounded by config)."""
    limit = env.config().section("retries")["sensor_limit"]
    return [dg.RunRequest(run_key=f"ship_chips-retry-{day}-{count}", partition_key=day,
                          tags={"ocean_assets/retry_count": str(count)})
            for day, count in due_days(env.engine(), now, limit)]


@dg.sensor(job=ship_chips_daily, minimum_interval_seconds=300,
           description="Re-request ship_chips partitions whose failed chips are due for a retry.")
def ship_chips_retry_sensor(context: dg.SensorEvaluationContext, ship_chips_env: ShipChipsResource):
    requests = due_run_requests(ship_chips_env, dt.datetime.now(dt.UTC))
    if not requests:
        return dg.SkipReason("no chip retries due")
    return requests
