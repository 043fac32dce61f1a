"""Per-day truth inside one run, judged by the instance's own partition status (as the UI reads it).

A 10-day single-run range in which 2 days of `sst` fail: 8 days are recorded as materialized, each with
its own metadata and data version, 2 as failed with their reasons; follow-up runs do the downstream
assets and skipped checks for exactly the 8 good days; re-running the failed days touches those 2 only.
The same on SQLite (with the project's event-log storage) and on PostgreSQL storage.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

from ocean_assets.core.io import sha256_file
from ocean_assets.core.ocean.paths import product_path, texture_path
from ocean_assets.core.retry import PermanentError
from ocean_assets.dagster_support.continuation import (
    PARENT_TAG,
    RANGE_END,
    RANGE_START,
    plan_follow_ups,
    read_run,
    run_follow_ups_in_process,
)
from ocean_assets.location import load_definitions
from ocean_assets.partitions import daily_partitions
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.pg import temporary_database

DAYS = [f"2024-03-{d:02d}" for d in range(1, 11)]
BAD = {"2024-03-03", "2024-03-07"}
RANGE = {"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]}
SST = dg.AssetKey("sst")


def status(instance: dg.DagsterInstance, key: dg.AssetKey) -> tuple[set[str], set[str]]:
    """(materialized, failed) partitions from the asset status cache the UI reads."""
    value = get_and_update_asset_status_cache_value(instance, key, daily_partitions)
    assert value is not None
    return (set(value.deserialize_materialized_partition_subsets(daily_partitions).get_partition_keys()),
            set(value.deserialize_failed_partition_subsets(daily_partitions).get_partition_keys()))


@pytest.fixture
def sst_missing_on_bad_days(monkeypatch: pytest.MonkeyPatch):
    """The source has no SST for two days of the range (a permanent, per-day error)."""
    from ocean_assets.sources.ocean import demo

    original = demo.DemoProductSource.fetch

    def fetch(self, spec, day, workdir):  # noqa: ANN001, ANN202
        if spec.name == "sst" and day.isoformat() in BAD:
            raise PermanentError(f"{spec.dataset_id}: no file published for {day}")
        return original(self, spec, day, workdir)

    monkeypatch.setattr(demo.DemoProductSource, "fetch", fetch)
    return lambda: monkeypatch.setattr(demo.DemoProductSource, "fetch", original)


def sqlite_instance(tmp_path: Path) -> dg.DagsterInstance:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


def _truth(instance: dg.DagsterInstance, data_root: Path, restore) -> None:  # noqa: ANN001
    defs = load_definitions()
    job = defs.resolve_job_def("ocean_daily")
    result = job.execute_in_process(instance=instance, tags=RANGE, raise_on_error=False)
    assert not result.success

    # the instance: 8 materialized, 2 failed, as the UI's partition view reads it
    materialized, failed = status(instance, SST)
    assert materialized == set(DAYS) - BAD
    assert failed == BAD
    # each good day has its own metadata and data version (the file's sha256)
    records = instance.fetch_materializations(SST, limit=100).records
    assert Counter(r.partition_key for r in records) == Counter(set(DAYS) - BAD)
    for record in records:
        day = record.partition_key
        path = product_path(data_root, "sst", day)
        event = record.asset_materialization
        assert event.tags["dagster/data_version"] == sha256_file(path)
        assert event.metadata["sha256"].value == sha256_file(path)
        assert event.metadata["path"].value.endswith(path.name)
        assert event.metadata["grid"].value  # the day's figures
    assert len({r.asset_materialization.tags["dagster/data_version"] for r in records}) == 8
    # the failure names each bad day with its reason
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE"
                   and e.step_key == "sst")
    text = failure.step_failure_data.user_failure_data.description
    assert all(f"{day}: " in text and "no file published" in text for day in BAD)
    # the other products of the same run are unaffected
    assert status(instance, dg.AssetKey("currents")) == (set(DAYS), set())

    # follow-ups: the skipped texture and sweep, and the skipped checks of sst, for the 8 good days only
    plans = plan_follow_ups(read_run(instance, result.run_id), defs.resolve_asset_graph())
    assert [(p.first, p.last) for p in plans] == [("2024-03-01", "2024-03-02"), ("2024-03-04", "2024-03-06"),
                                                  ("2024-03-08", "2024-03-10")]
    assert {k.to_user_string() for p in plans for k in p.assets} == {"sst_texture", "ocean_corruption_report"}
    assert {c.name for p in plans for c in p.checks if c.asset_key == SST} >= {"integrity", "nan_fraction"}
    # the sensor (daemon) asks for the same follow-ups, once per failed run
    sensor = defs.resolve_sensor_def("per_day_continuation")
    context = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
    requests = list(sensor(context) or [])
    assert sorted((r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests) == [
        (p.first, p.last) for p in plans]
    assert all(r.tags[PARENT_TAG] == result.run_id for r in requests)
    follow = run_follow_ups_in_process(defs, instance, result.run_id)
    assert [r.success for r in follow] == [True, True, True]
    assert status(instance, dg.AssetKey("sst_texture"))[0] == set(DAYS) - BAD
    assert not any(texture_path(data_root, d).exists() for d in BAD)
    checked = instance.event_log_storage.get_asset_check_partition_info(
        [dg.AssetCheckKey(SST, "integrity")])
    evaluated = {i.partition_key for i in checked if i.latest_execution_status.value == "SUCCEEDED"}
    assert evaluated == set(DAYS) - BAD

    # re-run "failed and missing": exactly the 2 failed days
    restore()
    to_redo = sorted(status(instance, SST)[1])
    assert to_redo == sorted(BAD)
    before = {d: instance.get_latest_materialization_event(SST) for d in DAYS}
    del before
    for day in to_redo:
        rerun = job.execute_in_process(instance=instance, partition_key=day)
        assert rerun.success
        touched = {e.partition for e in rerun.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
                   and e.asset_key == SST}
        assert touched == {day}
    assert status(instance, SST) == (set(DAYS), set())


def test_range_with_two_failed_days_sqlite(tmp_path: Path, data_root: Path, sst_missing_on_bad_days) -> None:
    with sqlite_instance(tmp_path) as instance:
        assert type(instance.event_log_storage).__name__ == "PooledSqliteEventLogStorage"
        _truth(instance, data_root, sst_missing_on_bad_days)


@pytest.mark.postgres
def test_range_with_two_failed_days_postgres(tmp_path: Path, data_root: Path, postgres_url: str,
                                             sst_missing_on_bad_days, monkeypatch) -> None:
    with temporary_database(postgres_url, "oa_perday") as url:
        home = tmp_path / "pg_home"
        home.mkdir()
        shutil.copy(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        monkeypatch.setenv("DAGSTER_PG_URL", url)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            _truth(instance, data_root, sst_missing_on_bad_days)


def test_good_range_records_each_day_once(instance: dg.DagsterInstance, data_root: Path) -> None:
    """No range-wide duplicate: one materialization per day, each with that day's own version, and the
    downstream steps of the same run proceed."""
    job = load_definitions().resolve_job_def("ocean_daily")
    days = DAYS[:3]
    result = job.execute_in_process(instance=instance, asset_selection=[SST, dg.AssetKey("sst_texture")],
                                    tags={"dagster/asset_partition_range_start": days[0],
                                          "dagster/asset_partition_range_end": days[-1]})
    assert result.success
    events = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    per_asset = Counter((e.asset_key.to_user_string(), e.partition) for e in events)
    assert set(per_asset.values()) == {1} and len(per_asset) == 6
    versions = {e.partition: e.event_specific_data.materialization.tags["dagster/data_version"]
                for e in events if e.asset_key == SST}
    assert versions == {d: sha256_file(product_path(data_root, "sst", d)) for d in days}


def test_blocking_check_failing_one_day_blocks_only_that_day(instance: dg.DagsterInstance, data_root: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """An all-NaN SST on one day fails its blocking nan_fraction check: the texture of that day is never
    made, the textures of the other days are (by the follow-up)."""
    from ocean_assets.sources.ocean import demo

    original = demo.demo_dataset
    bad = dt.date(2024, 3, 2)

    def broken(spec, day):  # noqa: ANN001, ANN202
        ds = original(spec, day)
        if spec.name == "sst" and day == bad:
            ds["analysed_sst"] = ds["analysed_sst"] * float("nan")
        return ds

    monkeypatch.setattr(demo, "demo_dataset", broken)
    defs = load_definitions()
    job = defs.resolve_job_def("ocean_daily")
    days = DAYS[:3]
    result = job.execute_in_process(instance=instance, asset_selection=[SST, dg.AssetKey("sst_texture")],
                                    raise_on_error=False,
                                    tags={"dagster/asset_partition_range_start": days[0],
                                          "dagster/asset_partition_range_end": days[-1]})
    assert not result.success
    follow = run_follow_ups_in_process(defs, instance, result.run_id)
    assert follow and all(r.success for r in follow)
    assert {d for d in days if texture_path(data_root, d).exists()} == set(days) - {bad.isoformat()}
