"""Lateness is judged on the expected latest day: backfilling an old day after the deadline does not
make an asset look fresh (Dagster's FreshnessPolicy.cron looks at the newest materialization of any
partition, so it did)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
from dagster._core.definitions.assets.job.asset_job import IMPLICIT_ASSET_JOB_NAME
from dagster._core.test_utils import freeze_time

from ocean_assets.dagster_support.freshness import FRESHNESS_CHECK, FRESHNESS_TAG
from ocean_assets.location import load_definitions

SST = dg.AssetKey("sst")
NOW = dt.datetime(2024, 3, 10, 10, 0, tzinfo=dt.UTC)  # after the 09:00 deadline: 2024-03-09 is due


def _freshness(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.AssetCheckEvaluation:
    job = defs.get_repository_def().get_maybe_subset_job_def(
        IMPLICIT_ASSET_JOB_NAME, asset_check_selection={dg.AssetCheckKey(SST, FRESHNESS_CHECK)})
    with freeze_time(NOW):
        result = job.execute_in_process(instance=instance, raise_on_error=False, tags={FRESHNESS_TAG: "1"})
    (evaluation,) = [e.event_specific_data for e in result.all_events
                     if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return evaluation


def test_backfilling_an_old_day_does_not_make_an_asset_fresh(instance: dg.DagsterInstance) -> None:
    defs = load_definitions()
    daily = defs.resolve_job_def("ocean_daily")
    assert not any(k.name == FRESHNESS_CHECK for k in daily.asset_layer.asset_graph.asset_check_keys), \
        "a day's run must not judge lateness (it would fail every historical run)"
    graph = defs.resolve_asset_graph()
    assert graph.get(SST).freshness_policy is None  # the any-partition policy is gone

    daily.execute_in_process(instance=instance, partition_key="2024-03-01", asset_selection=[SST])
    late = _freshness(defs, instance)
    assert not late.passed, "an old day backfilled after the deadline made sst look fresh"

    subset = daily.execute_in_process(instance=instance, partition_key="2024-03-09", asset_selection=[SST])
    assert not [e for e in subset.get_asset_check_evaluations() if e.check_name == FRESHNESS_CHECK], \
        "a run of some days must not judge lateness (only the freshness sensor's runs do)"
    fresh = _freshness(defs, instance)
    assert fresh.passed and fresh.metadata["expected_day"].value == "2024-03-09"
