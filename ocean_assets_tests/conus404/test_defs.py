"""The Dagster wiring: job runs, checks per partition, blocking, failed partitions, sensor."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import xarray as xr

from ocean_assets.core.conus404.options import daily_path, summary_path
from ocean_assets.defs.conus404 import assets, checks, jobs, sensors
from ocean_assets.defs.conus404.recovery import failed_partitions, rerun_failed
from ocean_assets.defs.conus404.resources import Conus404Resource
from ocean_assets.sources.conus404 import DemoSource
from ocean_assets_tests.standards import compliance

SOURCES: dict[str, object] = {}


class ScenarioResource(Conus404Resource):
    """The real resource, with the source swapped for a scenario set up by the test."""

    scenario: str

    def source(self):
        return SOURCES[self.scenario]


class BrokenDays:
    """Demo hours, except that reading chosen days fails every time (a persistent outage)."""

    label = "broken"

    def __init__(self, broken: set[dt.date]) -> None:
        self.broken, self.demo = broken, DemoSource((8, 9))

    def open_day(self, day: dt.date) -> xr.Dataset:
        if day in self.broken:
            raise OSError(f"cannot reach the store for {day}")
        return self.demo.open_day(day)


def _job(scenario: str | None = None) -> dg.JobDefinition:
    resource = ScenarioResource(scenario=scenario) if scenario else Conus404Resource()
    defs = dg.Definitions(
        assets=[assets.conus404_daily_nc, assets.conus404_daily_summary],
        asset_checks=[checks.conus404_daily_checks, checks.conus404_summary_checks],
        jobs=[jobs.conus404_daily],
        sensors=[sensors.conus404_catchup_sensor],
        resources={"conus404": resource},
    )
    return defs.resolve_job_def("conus404_daily")


def _checks(result) -> dict[tuple[str, str], bool]:
    return {(e.event_specific_data.check_name, e.event_specific_data.partition):
            e.event_specific_data.passed
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}


class Patched:
    """Demo hours with one variable overwritten (defects an operator may meet)."""

    label = "patched"

    def __init__(self, var: str, index, value: float) -> None:
        self.var, self.index, self.value = var, index, value

    def open_day(self, day: dt.date) -> xr.Dataset:
        hourly = DemoSource((8, 9)).open_day(day).load()
        hourly[self.var].values[self.index] = self.value
        return hourly


def test_one_day_materializes_with_passing_checks_and_is_idempotent(instance, data_root) -> None:
    """The archive's last day: instantaneous fields written, accumulations withheld with the
    reason; the file passes CF-1.8 and ACDD-1.3 (IOOS compliance-checker)."""
    job = _job()
    result = job.execute_in_process(instance=instance, partition_key="2022-09-30")
    assert result.success
    outcomes = _checks(result)
    assert len(outcomes) == 6 and all(outcomes.values())
    path = daily_path(data_root, "2022-09-30")
    assert compliance(path) == {"cf:1.8": [], "acdd:1.3": []}
    with xr.open_dataset(path) as ds:
        assert ds["T2_mean"].attrs["cell_methods"] == "time: mean (interval: 1 hour)"
        assert set(ds.coords) >= {"lat", "lon"}
        assert "PREC_ACC_NC_sum" not in ds and "archive ends" in ds.attrs["withheld_reason"]
    summary = pd.read_parquet(summary_path(data_root, "2022-09-30"))
    assert "T2_max" in set(summary["variable"])
    mat = instance.get_latest_materialization_event(assets.conus404_daily_nc.key)
    meta = mat.asset_materialization.metadata
    assert meta["hours"].value == 24 and meta["sha256"].value
    first = meta["sha256"].value
    assert job.execute_in_process(instance=instance, partition_key="2022-09-30").success
    again = instance.get_latest_materialization_event(assets.conus404_daily_nc.key)
    assert again.asset_materialization.metadata["sha256"].value == first
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left


def test_missing_hour_fails_check_and_blocks_summary(instance, data_root) -> None:
    day = dt.date(2022, 9, 29)
    SOURCES["gap"] = DemoSource((8, 9), missing={day: {13}})
    result = _job("gap").execute_in_process(instance=instance, partition_key=day.isoformat(),
                                            raise_on_error=False)
    assert not result.success
    evals = [e.event_specific_data for e in result.all_events
             if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    gap = next(e for e in evals if e.check_name == "hours_complete")
    assert not gap.passed and "13:00" in gap.metadata["message"].value
    assert not summary_path(data_root, day).exists()  # blocked downstream


def test_impossible_values_block_and_implausible_ones_only_warn(instance, data_root) -> None:
    day = dt.date(2022, 9, 28)
    SOURCES["frozen"] = Patched("T2", 5, -1.0e6)  # a whole hour below absolute zero
    result = _job("frozen").execute_in_process(instance=instance, partition_key=day.isoformat(),
                                               raise_on_error=False)
    evals = {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
             if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert not result.success and not evals["physically_possible"].passed
    assert evals["physically_possible"].severity == dg.AssetCheckSeverity.ERROR
    assert not summary_path(data_root, day).exists()  # blocked downstream
    SOURCES["hot"] = Patched("T2", (5, 2, 2), 345.0)  # one cell, possible but implausible
    result = _job("hot").execute_in_process(instance=instance, partition_key=day.isoformat(),
                                            raise_on_error=False)
    evals = {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
             if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert result.success and not evals["plausible_values"].passed
    assert evals["plausible_values"].severity == dg.AssetCheckSeverity.WARN
    assert summary_path(data_root, day).exists()  # a warning does not block


def test_range_run_checks_every_partition(instance) -> None:
    result = _job().execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": "2022-09-27",
        "dagster/asset_partition_range_end": "2022-09-28"})
    assert result.success
    partitions = {p for (_, p) in _checks(result)}
    assert partitions == {"2022-09-27", "2022-09-28"}


def test_persistent_failures_are_failed_partitions_and_only_they_rerun(instance, data_root) -> None:
    days = [dt.date(2022, 9, d) for d in (1, 2, 3)]
    SOURCES["outage"] = BrokenDays({days[1]})
    job = _job("outage")
    for day in days:  # a backfill: one run per day
        job.execute_in_process(instance=instance, partition_key=day.isoformat(),
                               raise_on_error=False)
    assert failed_partitions(instance) == ["2022-09-02"]
    assert set(instance.get_materialized_partitions(assets.conus404_daily_nc.key)) == {
        "2022-09-01", "2022-09-03"}
    assert rerun_failed(instance, job) == {"2022-09-02": False}  # still down: still failed
    SOURCES["outage"] = BrokenDays(set())  # the store is back
    runs_before = len(instance.get_runs())
    assert rerun_failed(instance, job) == {"2022-09-02": True}
    assert len(instance.get_runs()) == runs_before + 1  # only the failed day ran
    assert failed_partitions(instance) == []
    assert daily_path(data_root, days[1]).exists()


def test_catchup_sensor_requests_bounded_missing_days(instance) -> None:
    defs = dg.Definitions(
        assets=[assets.conus404_daily_nc, assets.conus404_daily_summary],
        asset_checks=[checks.conus404_daily_checks, checks.conus404_summary_checks],
        jobs=[jobs.conus404_daily], sensors=[sensors.conus404_catchup_sensor],
        resources={"conus404": Conus404Resource()})
    job = defs.resolve_job_def("conus404_daily")
    assert job.execute_in_process(instance=instance, partition_key="2022-09-01").success
    ctx = dg.build_sensor_context(instance=instance, definitions=defs)
    result = sensors.conus404_catchup_sensor(ctx)
    keys = [r.partition_key for r in result.run_requests]
    assert keys == ["2022-09-02", "2022-09-03", "2022-09-04"]  # max_per_tick = 3


def test_missing_days_skips_done_and_running() -> None:
    window = ["a", "b", "c", "d", "e"]
    assert sensors.missing_days(window, {"a"}, {"b"}, 2) == ["c", "d"]
    assert sensors.missing_days(window, set(window), set(), 3) == []
