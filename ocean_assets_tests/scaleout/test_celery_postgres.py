"""A multi-partition ocean run on PostgreSQL instance storage through dagster-celery, with two
celery worker processes on the local RabbitMQ broker (127.0.0.1:5672, guest/guest).

Isolation from concurrent runs: our own database, our own celery queue (deleted at the end), and
worker names carrying the same unique id. Skipped where RabbitMQ/PostgreSQL are absent, except in
CI (env CI set), where that is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
import yaml
from celery import Celery

from ocean_assets.settings import PROJECT_ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BROKER = os.environ.get("OCEAN_ASSETS_TEST_BROKER", "pyamqp://guest:guest@127.0.0.1:5672//")
DEPLOY = PROJECT_ROOT / "deploy"
BIN = Path(sys.executable).parent
DAYS = ["2024-03-04", "2024-03-05", "2024-03-06"]  # one single-run backfill over the range
SINGLE_DAY = "2024-03-07"                          # then one ordinary single-partition run
WORKERS = 2
RUN_TIMEOUT = 150


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker_url() -> str:
    if not _port_open(5672):
        if os.environ.get("CI"):
            pytest.fail("RabbitMQ on 127.0.0.1:5672 is required in CI")
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    return BROKER


def _celery_config(queue: str, path: Path) -> Path:
    """deploy/celery.yaml with our own queue (broker from DAGSTER_CELERY_BROKER_URL)."""
    config = yaml.safe_load((DEPLOY / "celery.yaml").read_text())
    config["execution"]["config"]["config_source"]["task_default_queue"] = queue
    config["loggers"] = {"console": {"config": {"log_level": "WARNING"}}}
    path.write_text(yaml.safe_dump(config))
    return path


@contextlib.contextmanager
def celery_workers(n: int, queue: str, tag: str, config: Path, env: dict[str, str], logs: Path):
    """Start n `dagster-celery worker start` processes (one solo worker each); stop them after."""
    procs = []
    try:
        for i in range(n):
            log = (logs / f"worker{i}.log").open("wb")
            procs.append(subprocess.Popen(
                [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
                 "-y", str(config), "-q", queue, "-n", f"{tag}-w{i}", "-l", "WARNING",
                 "--", "--pool=solo", "--without-gossip", "--without-mingle"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        app = Celery(broker=env["DAGSTER_CELERY_BROKER_URL"])
        deadline = time.monotonic() + 60
        while True:  # wait until both workers answer a ping (others on the broker are ignored)
            ours = [name for reply in app.control.ping(timeout=1.0) for name in reply if tag in name]
            if len(ours) == n:
                break
            dead = [p.args for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                tail = "\n".join((logs / f"worker{i}.log").read_text()[-2000:] for i in range(n))
                pytest.fail(f"celery workers did not come up ({len(ours)}/{n}):\n{tail}")
        yield app
    finally:
        for p in procs:  # the worker CLI runs `celery` as a child: signal the whole group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        with contextlib.suppress(Exception), Celery(broker=env["DAGSTER_CELERY_BROKER_URL"]).connection() as conn:
            conn.default_channel.queue_delete(queue)


def test_celery_runs_on_postgres_materialize_each_partition_once(broker_url, pg_home, data_root, tmp_path,
                                                                  monkeypatch):
    home, pg_url = pg_home
    uid = uuid.uuid4().hex[:10]
    queue = f"oa-test-{uid}"
    config = _celery_config(queue, tmp_path / "celery.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_PG_URL": pg_url,
           "DAGSTER_CELERY_BROKER_URL": broker_url, "OCEAN_ASSETS_DATA_ROOT": str(data_root),
           "OCEAN_ASSETS_MODE": "demo", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(PROJECT_ROOT)}
    range_tags = {"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]}
    with celery_workers(WORKERS, queue, uid, config, env, tmp_path):
        for tags in (range_tags, {"dagster/partition": SINGLE_DAY}):
            run = subprocess.run(
                [str(BIN / "dagster"), "job", "execute", "-f", str(DEPLOY / "celery_definitions.py"),
                 "-j", "ocean_daily_celery", "-c", str(config), "--tags", json.dumps(tags)],
                cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    monkeypatch.setenv("DAGSTER_PG_URL", pg_url)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        _assert_recorded(instance, uid)


def _assert_recorded(instance: dg.DagsterInstance, uid: str) -> None:
    from ocean_assets.location import load_definitions

    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    records = instance.get_run_records()
    assert len(records) == 2 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    days = [*DAYS, SINGLE_DAY]

    graph = load_definitions().resolve_asset_graph()
    assets = dg.AssetSelection.groups("ocean").resolve(graph)
    assert len(assets) >= 6
    for key in assets:  # every partition materialized exactly once
        mats = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key), limit=100).records
        counts = Counter(r.asset_materialization.partition for r in mats)
        assert counts == Counter(days), f"{key.to_user_string()}: {dict(counts)}"
    checks = [c for c in graph.asset_check_keys if c.asset_key in assets]
    partitioned = [c for c in checks if graph.get_check_spec(c).partitions_def is not None]
    info = instance.event_log_storage.get_asset_check_partition_info(partitioned)
    assert {(i.check_key, i.partition_key) for i in info} == {(c, d) for c in partitioned for d in days}

    # the steps of each run really ran in the celery workers, and on both of them
    for record in records:
        hosts = Counter()
        for event in instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
            meta = event.dagster_event.engine_event_data.metadata
            if "Celery worker" in meta:
                hosts[meta["Celery worker"].value] += 1
        assert sum(hosts.values()) >= len(assets), hosts
        assert len(hosts) == WORKERS and all(uid in h for h in hosts), hosts
