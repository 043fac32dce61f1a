"""A run launcher whose run workers can be health-checked, so run monitoring fails dead runs.

Dagster's run monitoring (the daemon) marks a STARTED run failed when the launcher reports its worker
gone, but ``DefaultRunLauncher`` cannot tell (``supports_check_run_worker_health`` is False): a run
whose process was killed (a killed ``ocean-assets update``, a killed ``dagster dev``, the OOM killer)
stayed STARTED, its partitions "materializing", until ``max_runtime_seconds``. This subclass finds the
run's orchestrating process from the run's own engine event ("Executing steps in process (pid: N)",
logged by the in-process and multiprocess executors) and the host recorded by ``daily_asset``, and
reports the worker FAILED when that process is gone (or the pid now belongs to a younger process).
Runs on another host, or without a recorded pid yet, are UNKNOWN (left to ``max_runtime_seconds``).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.launcher.default_run_launcher import DefaultRunLauncher
from dagster._core.storage.dagster_run import DagsterRun
from dagster._serdes import ConfigurableClassData

HOST_TAG = "ocean_assets/worker_host"
CLOCK_SLACK_SECONDS = 5.0


class MonitoredRunLauncher(DefaultRunLauncher):
    """``DefaultRunLauncher`` plus a worker health check run monitoring can use."""

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,  # type: ignore[override]
                          config_value: Any) -> MonitoredRunLauncher:
        return cls(inst_data=inst_data)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        return worker_health(self._instance, run)


def worker_health(instance: Any, run: DagsterRun) -> CheckRunHealthResult:
    """RUNNING / FAILED / UNKNOWN for the process orchestrating ``run`` (see the module doc)."""
    host = run.tags.get(HOST_TAG)
    if host and host != socket.gethostname():
        return CheckRunHealthResult(WorkerStatus.UNKNOWN, f"run worker on another host ({host})")
    pid = _worker_pid(instance, run.run_id)
    if pid is None:
        return CheckRunHealthResult(WorkerStatus.UNKNOWN, "no run worker pid recorded yet")
    record = instance.get_run_record_by_id(run.run_id)
    started = record.start_time if record and record.start_time else None
    if process_alive(pid, started):
        return CheckRunHealthResult(WorkerStatus.RUNNING)
    return CheckRunHealthResult(WorkerStatus.FAILED,
                                f"run worker process {pid} on {host or socket.gethostname()} is gone")


def _worker_pid(instance: Any, run_id: str) -> int | None:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=20).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = getattr(event, "event_specific_data", None) if event else None
        pid = getattr(data, "metadata", {}).get("pid") if data is not None else None
        if pid is not None:
            return int(pid.value)
    return None


def process_alive(pid: int, started_after: float | None) -> bool:
    """The pid is a live process (not a zombie) that started before ``started_after`` (the run's start):
    a younger process with a recycled pid is not the run's worker."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True  # no /proc: alive is the best we know
    if fields[0] in ("Z", "X"):  # zombie / dead, waiting for its parent
        return False
    if started_after is None:
        return True
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                if line.startswith("btime"))
    process_start = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return process_start <= started_after + CLOCK_SLACK_SECONDS
