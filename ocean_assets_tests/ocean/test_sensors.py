"""Availability and recovery sensors, evaluated with build_sensor_context against a real instance."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest

from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.ocean.recovery import RecoveryState, plan_recovery
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.defs.ocean.sensors import (
    RECOVERY_TAG,
    ocean_availability_sensor,
    ocean_recovery_sensor,
)
from ocean_assets.location import load_definitions


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


def yesterday() -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def test_availability_sensor_requests_new_days_then_nothing(defs, instance):
    context = dg.build_sensor_context(instance=instance, definitions=defs, resources={"ocean": OceanResource()})
    result = ocean_availability_sensor(context)
    keys = [r.partition_key for r in result.run_requests]
    last = yesterday()
    assert keys == [(last - dt.timedelta(days=n)).isoformat() for n in (2, 1, 0)]  # lookback_days: 3
    assert result.cursor == last.isoformat()
    again = ocean_availability_sensor(dg.build_sensor_context(
        instance=instance, definitions=defs, cursor=result.cursor, resources={"ocean": OceanResource()}))
    assert isinstance(again, dg.SkipReason) and "no new day" in again.skip_message


def test_availability_sensor_catches_up_in_bounded_steps(defs, instance):
    cursor = (yesterday() - dt.timedelta(days=20)).isoformat()
    context = dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor,
                                      resources={"ocean": OceanResource()})
    result = ocean_availability_sensor(context)
    assert len(result.run_requests) == 7  # max_requests_per_tick
    assert result.run_requests[0].partition_key == (yesterday() - dt.timedelta(days=19)).isoformat()
    assert result.cursor == result.run_requests[-1].partition_key


def test_plan_recovery_budget_is_bounded():
    state = RecoveryState()
    failed = {("sst", "2024-03-05")}
    attempts = []
    for _ in range(5):
        requests, exhausted = plan_recovery(failed, state, budget=2)
        attempts.append([r.attempt for r in requests])
    assert attempts == [[1], [2], [], [], []]
    assert state.exhausted == ["sst|2024-03-05"]
    assert RecoveryState.from_cursor(state.to_cursor()) == state


def test_plan_recovery_caps_each_tick_newest_first_and_keeps_the_rest():
    state = RecoveryState()
    failed = {("sst", f"2024-03-{d:02d}") for d in range(1, 8)}
    first, _ = plan_recovery(failed, state, budget=3, max_requests=3)
    assert [r.partition for r in first] == ["2024-03-07", "2024-03-06", "2024-03-05"]
    assert len(state.pending) == 4
    state = RecoveryState.from_cursor(state.to_cursor())  # the deferred ones survive in the cursor
    second, _ = plan_recovery(set(), state, budget=3, max_requests=3)
    third, _ = plan_recovery(set(), state, budget=3, max_requests=3)
    assert [r.partition for r in second + third] == ["2024-03-04", "2024-03-03", "2024-03-02", "2024-03-01"]
    assert state.pending == [] and all(r.attempt == 1 for r in first + second + third)


def test_recovery_cursor_stays_bounded_and_forgets_the_oldest():
    state = RecoveryState()
    days = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    for day in days:
        plan_recovery({("sst", day)}, state, budget=1)
        plan_recovery({("sst", day)}, state, budget=1)  # out of budget
    assert len(state.attempts) == len(days) and len(state.exhausted) == len(days)
    assert state.prune(100) == len(days) - 100
    assert len(state.attempts) == len(state.exhausted) == 100
    assert min(k.split("|")[1] for k in state.attempts) == days[-100]
    assert len(state.to_cursor()) < 10_000


def test_recovery_sensor_requests_failed_integrity_partition_once_per_failure(defs, instance, data_root, monkeypatch):
    day = "2024-03-05"
    from ocean_assets.defs.ocean import assets

    def truncated_write(ds, path, spec, source):  # a download that lands truncated on disk
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
        return path

    monkeypatch.setattr(assets, "write_product", truncated_write)
    job = defs.resolve_job_def("ocean_daily")
    result = job.execute_in_process(instance=instance, partition_key=day, raise_on_error=False,
                                    asset_selection=[dg.AssetKey("acidity")])
    assert not result.success

    def tick(cursor):
        return ocean_recovery_sensor(dg.build_sensor_context(
            instance=instance, definitions=defs, cursor=cursor, resources={"ocean": OceanResource()}))

    first = tick(None)  # the failed check and the failed run name the same partition: one request
    assert [(r.partition_key, r.asset_selection, r.tags[RECOVERY_TAG]) for r in first.run_requests] == [
        (day, [dg.AssetKey("acidity")], "1")]
    second = tick(first.cursor)  # nothing new happened: no second request
    assert not second.run_requests
    assert json.loads(second.cursor)["attempts"] == {f"acidity|{day}": 1}
    # it fails again: attempt 2 ... until the budget (3) is used up, then never again
    cursor = second.cursor
    for expected in ("2", "3"):
        job.execute_in_process(instance=instance, partition_key=day, raise_on_error=False,
                               asset_selection=[dg.AssetKey("acidity")])
        nxt = tick(cursor)
        assert [r.tags[RECOVERY_TAG] for r in nxt.run_requests] == [expected]
        cursor = nxt.cursor
    job.execute_in_process(instance=instance, partition_key=day, raise_on_error=False,
                           asset_selection=[dg.AssetKey("acidity")])
    last = tick(cursor)
    assert not last.run_requests and "out of budget" in last.skip_reason.skip_message
    assert json.loads(last.cursor)["exhausted"] == [f"acidity|{day}"]
    assert product_path(data_root, "acidity", day).exists()


def test_downstream_assets_follow_by_declarative_automation(defs, instance):
    """Once the downloads land, eager automation requests the texture and the sweep for that day."""
    day = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    before = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert before.total_requested == 0  # nothing new upstream: nothing requested
    job = defs.resolve_job_def("ocean_products")
    assert job.execute_in_process(instance=instance, partition_key=day).success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=before.cursor)
    requested = {(key.to_user_string(), pk) for key, subset in
                 ((r.key, r.true_subset) for r in result.results) if subset.size
                 for pk in subset.expensively_compute_partition_keys() or []}
    assert ("sst_texture", day) in requested and ("ocean_corruption_report", day) in requested
    assert not any(asset in ("sst", "currents", "acidity", "microplastics") for asset, _ in requested)
