"""A 10-day single-run range killed (SIGKILL) after 8 days: the 8 finished days are recorded as they
finish, run monitoring finds the dead run and fails it, the instance ends in a true state (8
materialized, 2 failed) and the re-run of failed days touches exactly the 2 unfinished days."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from ocean_assets.dagster_support.launcher import MonitoredRunLauncher, process_alive
from ocean_assets.location import load_definitions
from ocean_assets.partitions import daily_partitions
from ocean_assets.settings import PROJECT_ROOT

DAYS = [f"2024-03-{d:02d}" for d in range(1, 11)]
SST = dg.AssetKey("sst")

KILLED_RANGE = textwrap.dedent("""
    import os, signal, dagster as dg
    from ocean_assets.sources.ocean import demo
    from ocean_assets.location import load_definitions

    original = demo.DemoProductSource.fetch

    def fetch(self, spec, day, workdir):
        if day.isoformat() == "2024-03-09":  # the process dies on day 9 (the OOM killer, a kill -9)
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, spec, day, workdir)

    demo.DemoProductSource.fetch = fetch
    job = load_definitions().resolve_job_def("ocean_daily")
    with dg.DagsterInstance.get() as instance:
        job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey("sst")],
                               tags={"dagster/asset_partition_range_start": "2024-03-01",
                                     "dagster/asset_partition_range_end": "2024-03-10"})
""")


def _status(instance: dg.DagsterInstance) -> tuple[set[str], set[str], set[str]]:
    value = get_and_update_asset_status_cache_value(instance, SST, daily_partitions)
    assert value is not None
    return (set(value.deserialize_materialized_partition_subsets(daily_partitions).get_partition_keys()),
            set(value.deserialize_failed_partition_subsets(daily_partitions).get_partition_keys()),
            set(value.deserialize_in_progress_partition_subsets(daily_partitions).get_partition_keys()))


def test_killed_range_ends_true_and_reruns_only_unfinished_days(tmp_path: Path, data_root: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    script = tmp_path / "killed_range.py"
    script.write_text(KILLED_RANGE)
    with dg.DagsterInstance.get():  # the instance exists before the run (make demo creates it)
        pass
    proc = subprocess.run([sys.executable, str(script)], env=os.environ.copy(), capture_output=True,
                          timeout=900)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_launcher, MonitoredRunLauncher)
        (record,) = instance.get_run_records()
        assert record.dagster_run.status == dg.DagsterRunStatus.STARTED  # what Dagster alone leaves
        done, failed, running = _status(instance)
        assert done == set(DAYS[:8]) and failed == set() and running == set(DAYS[8:])

        # one pass of the daemon's run monitoring finds the dead worker and fails the run
        monitor_started_run(instance, None, record, logging.getLogger("test"))  # type: ignore[arg-type]
        assert instance.get_run_by_id(record.dagster_run.run_id).status == dg.DagsterRunStatus.FAILURE
        done, failed, running = _status(instance)
        assert done == set(DAYS[:8]) and failed == set(DAYS[8:]) and running == set()

        # re-running the failed days touches exactly those
        job = load_definitions().resolve_job_def("ocean_daily")
        rerun = job.execute_in_process(instance=instance, asset_selection=[SST],
                                       tags={"dagster/asset_partition_range_start": DAYS[8],
                                             "dagster/asset_partition_range_end": DAYS[9]})
        touched = {e.partition for e in rerun.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}
        assert rerun.success and touched == set(DAYS[8:])
        assert _status(instance)[:2] == (set(DAYS), set())


def test_a_live_worker_is_not_failed(instance: dg.DagsterInstance) -> None:
    import time

    assert process_alive(os.getpid(), time.time())
    assert not process_alive(os.getpid(), time.time() - 10 ** 7)  # a younger process with a recycled pid
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid, None)
