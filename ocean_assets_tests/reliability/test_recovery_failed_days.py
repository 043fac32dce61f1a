"""Recovery after failed runs (issue 14/15 case 9): only what is still broken is re-run. A failed
run's day that a later run materialized (with passing blocking checks) is not recovered, and of a
failed range run only the days its Failure names (``failed_days``) are; the days the per-day helper
recorded in that run are not failures."""

from __future__ import annotations

import dagster as dg
import pytest

from ocean_assets.dagster_support.daily import DayFailure
from ocean_assets.defs.ocean import assets
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.defs.ocean.sensors import ocean_recovery_sensor

SST = [dg.AssetKey("sst")]
RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from ocean_assets.location import load_definitions

    return load_definitions()


def fail_on(monkeypatch: pytest.MonkeyPatch, days: set[str]) -> None:
    """The product of these days cannot be written (a permanent, per-day error)."""
    real = assets.write_product

    def write(ds, path, spec, source):  # noqa: ANN001, ANN202
        day = path.name.rsplit("_", 1)[-1][:8]
        if f"{day[:4]}-{day[4:6]}-{day[6:]}" in days:
            raise DayFailure(f"nothing published for {day}")
        return real(ds, path, spec, source)

    monkeypatch.setattr(assets, "write_product", write)


def run(defs: dg.Definitions, instance: dg.DagsterInstance, first: str, last: str | None = None,
        ) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("ocean_daily")
    if last is None:
        return job.execute_in_process(instance=instance, partition_key=first, asset_selection=SST,
                                      raise_on_error=False)
    return job.execute_in_process(instance=instance, asset_selection=SST, raise_on_error=False,
                                  tags=dict(zip(RANGE, (first, last), strict=True)))


def tick(defs, instance, cursor=None):  # noqa: ANN001, ANN201
    return ocean_recovery_sensor(dg.build_sensor_context(
        instance=instance, definitions=defs, cursor=cursor, resources={"ocean": OceanResource()}))


def requested(result) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    return [(r.partition_key, [k.to_user_string() for k in r.asset_selection]) for r in result.run_requests]


def test_a_failed_day_materialized_again_afterwards_is_not_recovered(defs, instance, monkeypatch):
    with monkeypatch.context() as patch:
        fail_on(patch, {"2024-03-05"})
        assert not run(defs, instance, "2024-03-05").success
    assert run(defs, instance, "2024-03-05").success  # repaired (and its blocking checks passed)
    result = tick(defs, instance)
    assert requested(result) == []
    assert "nothing to recover" in result.skip_reason.skip_message


def test_a_range_run_recovers_only_the_days_its_failure_names(defs, instance, monkeypatch):
    fail_on(monkeypatch, {"2024-03-02", "2024-03-04"})
    assert not run(defs, instance, "2024-03-01", "2024-03-05").success
    first = tick(defs, instance)
    assert sorted(requested(first)) == [("2024-03-02", ["sst"]), ("2024-03-04", ["sst"])]
    assert not tick(defs, instance, first.cursor).run_requests  # nothing new: asked once


def test_a_day_repaired_while_deferred_by_the_per_tick_cap_is_not_requested(defs, instance, monkeypatch,
                                                                          tmp_path):
    from pathlib import Path

    config = tmp_path / "config"
    config.mkdir()
    text = (Path(__file__).resolve().parents[2] / "config" / "ocean.yaml").read_text()
    (config / "ocean.yaml").write_text(text.replace("recovery_max_runs_per_tick: 20",
                                                    "recovery_max_runs_per_tick: 1"))
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(config))
    with monkeypatch.context() as patch:
        fail_on(patch, {"2024-03-02", "2024-03-04"})
        assert not run(defs, instance, "2024-03-01", "2024-03-05").success
    first = tick(defs, instance)
    assert requested(first) == [("2024-03-04", ["sst"])]  # newest first; 03-02 waits in the cursor
    assert run(defs, instance, "2024-03-02").success  # repaired meanwhile (a manual run)
    second = tick(defs, instance, first.cursor)
    assert requested(second) == []


def test_a_run_that_died_mid_range_recovers_the_days_it_did_not_record(defs, instance, monkeypatch):
    from dagster._core.errors import DagsterExecutionInterruptedError

    real = assets.write_product

    def write(ds, path, spec, source):  # noqa: ANN001, ANN202 - the run is killed on day 3 of 5
        if path.name.endswith("20240303.nc"):
            raise DagsterExecutionInterruptedError("killed")
        return real(ds, path, spec, source)

    monkeypatch.setattr(assets, "write_product", write)
    assert not run(defs, instance, "2024-03-01", "2024-03-05").success
    days = sorted(r.partition_key for r in tick(defs, instance).run_requests)
    assert days == ["2024-03-03", "2024-03-04", "2024-03-05"]  # days 1-2 were recorded before it died
