"""Issue 14, class 3: a killed raw-zone run never blocks the zone.

Real processes: a migration runs in a subprocess on the test's Dagster instance (DAGSTER_HOME)
and pauses on a file; the test kills it with SIGKILL or lets it go on. The lock is held by the
live process only; concurrent runs refuse naming the holder (or wait); nothing is migrated twice
or lost; run monitoring (the project's dagster.yaml) marks a run whose process died as failed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.raw_zone import lock
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.raw_zone.conftest import (  # noqa: F401 (fixtures)
    funding_json,
    no_lock_wait,
    put_raw,
    raw_zone_definitions,
    record,
    set_raw_zone_config,
)

DAY = "2024-03-01"
FILES = [f"{DAY}_nsf_awards_{i}.json" for i in range(4)]
pytestmark = pytest.mark.usefixtures("raw_files")


@pytest.fixture
def raw_files(data_root: Path, config_dir: Path) -> Zones:  # noqa: F811
    set_raw_zone_config(config_dir, "preflight", min_free_fraction=0.0)  # the shared disk varies
    zones = Zones(data_root)
    for i, name in enumerate(FILES):
        put_raw(zones, "nsf", name, funding_json(record(i + 1)))
    return zones


@pytest.fixture
def zones(raw_files: Zones) -> Zones:
    return raw_files


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ocean_assets_tests.reliability.raw_zone_worker",
                             DAY, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=PROJECT_ROOT)


def paused(proc: subprocess.Popen[str]) -> int:
    line = proc.stdout.readline()  # blocks until the worker reaches its pause point
    assert line.startswith("paused "), line
    return int(line.split()[1])


def finish(proc: subprocess.Popen[str]) -> dict:
    out, _ = proc.communicate(input="\n", timeout=600)
    return json.loads(out.strip().splitlines()[-1])


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["raw-zone", *args], catch_exceptions=False)


def migrate_here(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    from ocean_assets.defs.raw_zone import assets

    return raw_zone_definitions().resolve_job_def("raw_zone_daily").execute_in_process(
        instance=instance, partition_key=DAY, raise_on_error=False,
        asset_selection=[assets.validated_funding_files.key])


def step_error(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return failure.event_specific_data.error.message.strip()


def assert_each_file_validated_once(zones: Zones) -> None:
    validated = sorted(p.name for p in (zones.validated / "nsf").iterdir())
    assert validated == FILES  # no temp file, nothing lost, nothing doubled
    for name in FILES:
        assert zones.validated_path("nsf", name).read_bytes() == (zones.raw / "nsf" / name).read_bytes()
    assert not zones.backups.exists() or not any(zones.backups.iterdir())  # nothing replaced twice


def test_sigkill_mid_migration_never_blocks_the_zone(zones):
    instance = dg.DagsterInstance.get()
    worker = start("--pause-after", "2")
    paused(worker)  # one file migrated, the second being validated, lock held
    kill(worker)
    [dead_run] = instance.get_runs()
    assert dead_run.status == dg.DagsterRunStatus.STARTED  # nothing told the instance
    result = migrate_here(instance)
    assert result.success, step_error(result)
    checks = {e.event_specific_data.check_name: e.event_specific_data.passed
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks["every_file_accounted"] and checks["validated_files_valid"]
    assert_each_file_validated_once(zones)
    # the next holder found the dead one's record: its run no longer shows as in progress
    dead = instance.get_run_by_id(dead_run.run_id)
    assert dead.status == dg.DagsterRunStatus.FAILURE
    # reprocess and rollback are not refused either
    reprocess = invoke("reprocess", "--source", "nsf")
    assert reprocess.exit_code == 0, reprocess.output
    assert "no backup 'nothing-here'" in invoke("rollback", "--to", "nothing-here").output


def test_a_second_migration_refuses_in_one_line_naming_the_holder(zones, no_lock_wait):  # noqa: F811
    instance = dg.DagsterInstance.get()
    holder = start("--pause-after", "1")
    pid = paused(holder)
    assert f"held by pid {pid} " in invoke("lock").output
    refused = invoke("unlock")
    assert refused.exit_code == 1 and f"pid {pid}" in refused.output
    assert "refuses while the holder is alive" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    second = migrate_here(instance)
    message = step_error(second)
    assert not second.success and f"locked by pid {pid} on " in message
    assert "migration, since" in message and len(message.splitlines()) == 1
    assert invoke("archive", "--year", "2024").exit_code == 1  # refused too, nothing moved
    assert len(list((zones.raw / "nsf").iterdir())) == len(FILES)
    first = finish(holder)
    assert first["success"] and first["counts"]["migrated"] == len(FILES)
    again = migrate_here(instance)
    counts = again.asset_materializations_for_node("validated_funding_files")[0].metadata
    assert again.success and counts["unchanged"].value == len(FILES) and counts["migrated"].value == 0
    assert_each_file_validated_once(zones)


def test_two_migrations_started_together_both_finish_and_migrate_each_file_once(zones):
    first, second = start(), start()  # both wait for the lock (preflight.lock_wait_seconds)
    results = [finish(first), finish(second)]
    assert all(r["success"] for r in results), results
    assert sorted(r["counts"]["migrated"] for r in results) == [0, len(FILES)]
    assert sorted(r["counts"]["unchanged"] for r in results) == [0, len(FILES)]
    assert_each_file_validated_once(zones)


def test_a_waiting_holder_gets_the_lock_when_the_first_releases(zones, monkeypatch):
    waiting = threading.Event()
    real_sleep = lock.sleep
    monkeypatch.setattr(lock, "sleep", lambda s: (waiting.set(), real_sleep(min(s, 0.05))))
    second = lock.hold(zones, "migration", run_id="second", wait_seconds=60)
    got = []
    with lock.hold(zones, "migration", run_id="first"):
        thread = threading.Thread(target=lambda: got.append(second.__enter__()))
        thread.start()
        assert waiting.wait(timeout=60)  # the second is blocked on the lock
        assert got == []
    thread.join(timeout=60)
    assert got == [None]  # acquired after a clean release: no dead holder's record
    assert lock.recorded_holder(zones).run_id == "second" and lock.is_held(zones)
    second.__exit__(None, None, None)
    assert not lock.is_held(zones) and lock.recorded_holder(zones) is None


def test_run_monitoring_marks_a_run_whose_process_died_as_failed(zones, tmp_path, monkeypatch):
    """The project's dagster.yaml, a real SQLite instance, the daemon's own monitoring iteration."""
    from dagster._core.test_utils import create_test_daemon_workspace_context
    from dagster._core.workspace.load_target import EmptyWorkspaceTarget
    from dagster._daemon.monitoring import run_monitoring

    home = Path(os.environ["DAGSTER_HOME"])
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    worker = start("--pause-after", "1")
    paused(worker)
    kill(worker)
    instance = dg.DagsterInstance.get()
    assert instance.run_monitoring_enabled
    [run] = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.STARTED

    def iterate() -> dg.DagsterRunStatus:
        with create_test_daemon_workspace_context(EmptyWorkspaceTarget(), instance) as context:
            list(run_monitoring.execute_run_monitoring_iteration(context, logging.getLogger("t")))
        return instance.get_run_by_id(run.run_id).status

    # MonitoredRunLauncher checks the worker's health (its pid and host): the first monitoring pass
    # fails the dead run, without waiting for the runtime limit.
    assert instance.run_launcher.supports_check_run_worker_health
    assert iterate() == dg.DagsterRunStatus.FAILURE
    # what an operator sees of the dead holder, and clears
    assert "died without releasing it" in invoke("lock").output
    cleared = invoke("unlock")
    assert cleared.exit_code == 0 and "cleared the record of pid" in cleared.output
    assert invoke("lock").output.strip() == "free"
