"""The per-day continuation sensor: downstream of a partly failed range runs for its good days.

A range run in which some days of an asset failed ends FAILURE, and Dagster skips every downstream
step of that run for all days. This sensor reads each newly failed run's own events and launches
follow-up runs (one per contiguous range of good days) for the skipped downstream assets and the
skipped checks, so nobody has to pick the good days by hand. Follow-ups of follow-ups converge: each
one covers strictly fewer assets than its parent.
"""

import dagster as dg

from ocean_assets.dagster_support.continuation import PARENT_TAG, plan_follow_ups, read_run

BATCH = 25  # failed runs read per tick; the rest wait for the next tick (the cursor keeps the place)


@dg.sensor(
    name="per_day_continuation",
    # the assets on the shared daily partitions (CONUS404 runs one day per run: nothing to continue)
    target=dg.AssetSelection.all() - dg.AssetSelection.groups("conus404"),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a range run fails on some days, runs the skipped downstream assets and checks "
                "for the days that were recorded (one run per contiguous range of good days).",
)
def per_day_continuation(context: dg.SensorEvaluationContext):  # noqa: ANN201 - yields RunRequests
    after = float(context.cursor) if context.cursor else None
    records = context.instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE], updated_after=_dt(after)),
        order_by="update_timestamp", ascending=True, limit=BATCH)
    graph = context.repository_def.asset_graph
    newest = after
    for record in records:
        newest = max(newest or 0.0, record.update_timestamp.timestamp())
        run = record.dagster_run
        for follow_up in plan_follow_ups(read_run(context.instance, run.run_id), graph):
            context.log.info(f"run {run.run_id[:8]} ({run.tags.get(PARENT_TAG, 'first')}): follow-up "
                             f"{follow_up.first}..{follow_up.last} for "
                             f"{', '.join(k.to_user_string() for k in follow_up.assets) or 'checks'}")
            yield follow_up.run_request(run.run_id)
    if newest is not None:
        context.update_cursor(str(newest))


def _dt(timestamp: float | None):  # noqa: ANN202
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, dt.UTC) if timestamp else None
