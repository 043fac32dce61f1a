"""Per-day freshness: is the newest day expected by the deadline materialized?

Dagster's ``FreshnessPolicy.cron`` looks at the newest materialization of *any* partition, so
backfilling an old day after the deadline made an asset look fresh. Here, lateness is judged on the
expected latest day: after 09:00 UTC yesterday's partition must exist. One WARN check per daily asset
(``freshness``), evaluated by the ``daily_freshness`` sensor's runs (tagged ``ocean_assets/freshness``).
In any other run (a backfill of March 2024 from the UI, ``ocean-assets update``) the check is left out:
it answers "is the newest day there now", not a question about the days that run makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import dagster as dg
from dagster._time import get_current_datetime
from dagster._utils.schedules import get_latest_completed_cron_tick

FRESHNESS_CHECK = "freshness"
FRESHNESS_TAG = "ocean_assets/freshness"


def expected_day(now: dt.datetime, deadline_cron: str) -> str:
    """The newest daily partition due at ``now``: the day before the last completed deadline tick."""
    tick = get_latest_completed_cron_tick(deadline_cron, now.astimezone(dt.UTC), "UTC")
    return (tick.date() - dt.timedelta(days=1)).isoformat()


def freshness_check(name: str, keys: Sequence[dg.AssetKey], deadline_cron: str) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(FRESHNESS_CHECK, asset=key,
                               description=f"The newest day due by the deadline ({deadline_cron} UTC: "
                                           "yesterday's partition after 09:00) is materialized.")
             for key in keys]

    @dg.multi_asset_check(name=name, specs=specs, can_subset=True)
    def _freshness(context):  # noqa: ANN001, ANN202 - Dagster reads this annotation at run time
        if context.run.tags.get(FRESHNESS_TAG) != "1":
            context.log.info("freshness is judged by the daily_freshness sensor's runs, not this one")
            return
        day = expected_day(get_current_datetime(), deadline_cron)  # Dagster's clock (tests freeze it)
        for check_key in context.selected_asset_check_keys:
            key = check_key.asset_key
            done = context.instance.get_materialized_partitions(key)
            latest = max(done) if done else None
            passed = day in done
            yield dg.AssetCheckResult(
                asset_key=key, check_name=FRESHNESS_CHECK, passed=passed,
                severity=dg.AssetCheckSeverity.WARN,
                description=(f"{day} is materialized" if passed else
                             f"{day} was due by the deadline and is not materialized (newest: {latest})"),
                metadata={"expected_day": day, "newest_day": latest or "", "deadline_cron": deadline_cron,
                          "days_late": 0 if passed or latest is None else
                          (dt.date.fromisoformat(day) - dt.date.fromisoformat(latest)).days})

    return _freshness


def freshness_sensor(checks: Sequence[dg.AssetChecksDefinition], name: str = "daily_freshness",
                     ) -> dg.SensorDefinition:
    """Evaluates every freshness check once an hour (the run key makes one run per hour)."""
    keys = [k for c in checks for k in c.check_keys]

    @dg.sensor(name=name, target=dg.AssetSelection.checks(*checks), minimum_interval_seconds=600,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Once an hour: is the newest day due by 09:00 UTC materialized, per daily asset.")
    def _sensor(context):  # noqa: ANN001, ANN202
        if not keys:
            return dg.SkipReason("no daily assets with a deadline")
        hour = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H")
        return dg.RunRequest(run_key=f"freshness-{hour}", asset_check_keys=keys, tags={FRESHNESS_TAG: "1"})

    return _sensor
