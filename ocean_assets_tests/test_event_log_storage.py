"""The project's SQLite event-log storage (dagster.yaml): one engine per shard, synchronous=NORMAL.

It must lose nothing when several runs write at once (separate processes, as the run launcher starts
them), when readers poll while a run writes (the daemon's sensors, the UI), and across a fork."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from ocean_assets.dagster_support.storage import PooledSqliteEventLogStorage
from ocean_assets.location import load_definitions
from ocean_assets.settings import PROJECT_ROOT

RUN = textwrap.dedent("""
    import sys, dagster as dg
    from ocean_assets.location import load_definitions
    first, last = sys.argv[1], sys.argv[2]
    job = load_definitions().resolve_job_def("ocean_daily")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("sst"), dg.AssetKey("acidity")],
            tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    sys.exit(0 if result.success else 1)
""")


@pytest.fixture
def project_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_the_project_instance_uses_it(project_home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        engine = instance.event_log_storage._engine("index")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_concurrent_runs_in_separate_processes_lose_no_event(project_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(RUN)
    with dg.DagsterInstance.get():  # the instance exists before runs start (make demo creates it)
        pass
    ranges = [("2024-03-01", "2024-03-03"), ("2024-03-04", "2024-03-06"), ("2024-03-07", "2024-03-09")]
    procs = [subprocess.Popen([sys.executable, str(script), a, b], env=os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for a, b in ranges]
    outputs = [p.communicate(timeout=900)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], "\n".join(o[-1500:] for o in outputs)
    with dg.DagsterInstance.get() as instance:
        for key in ("sst", "acidity"):
            records = instance.fetch_materializations(dg.AssetKey(key), limit=100).records
            assert Counter(r.partition_key for r in records) == Counter(
                f"2024-03-0{d}" for d in range(1, 10)), key
        runs = instance.get_runs()
        assert len(runs) == 3 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        # the cross-run index shard saw every check evaluation of every day
        info = instance.event_log_storage.get_asset_check_partition_info(
            [dg.AssetCheckKey(dg.AssetKey("sst"), "integrity")])
        assert {i.partition_key for i in info} == {f"2024-03-0{d}" for d in range(1, 10)}


def test_readers_polling_while_a_run_writes(project_home: Path) -> None:
    """Sensors and the UI read the index shard while runs write to it (threads share the engines)."""
    job = load_definitions().resolve_job_def("ocean_daily")
    stop = threading.Event()
    errors: list[BaseException] = []
    reads = Counter()

    with dg.DagsterInstance.get() as instance:
        def poll() -> None:
            while not stop.is_set():
                try:
                    instance.fetch_materializations(dg.AssetKey("sst"), limit=10)
                    instance.get_runs(limit=5)
                    reads["ok"] += 1
                except BaseException as exc:  # noqa: BLE001 - any error here is the finding
                    errors.append(exc)
                    return

        readers = [threading.Thread(target=poll) for _ in range(3)]
        for t in readers:
            t.start()
        try:
            result = job.execute_in_process(
                instance=instance, asset_selection=[dg.AssetKey("sst")],
                tags={"dagster/asset_partition_range_start": "2024-03-01",
                      "dagster/asset_partition_range_end": "2024-03-04"})
        finally:
            stop.set()
            for t in readers:
                t.join(timeout=30)
        assert result.success and not errors and reads["ok"] > 0
        assert instance.get_materialized_partitions(dg.AssetKey("sst")) == {
            "2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"}


def test_a_forked_child_opens_its_own_connections(project_home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        parent_engine = storage._engine("index")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own engine, which works
            ok = storage._engine("index") is not parent_engine
            with storage.index_connection() as conn:
                ok = ok and conn.exec_driver_sql("SELECT 1").scalar() == 1
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(read, 1) == b"1"
        assert storage._engine("index") is parent_engine
