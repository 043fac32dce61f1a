"""A real PostgreSQL server stopped in the middle of the reef upsert transaction: restarted, the run
retries on a fresh connection and ends with exactly one row per reef; left down, the run fails with
the reason, nothing is half-applied, and the re-run after the restart adds no duplicates. The API
answers 503 while the database is down and recovers by itself."""

from __future__ import annotations

import datetime as dt
import threading

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ocean_assets.api.app import create_app
from ocean_assets.core.reef_health import store
from ocean_assets.core.retry import Backoff
from ocean_assets.defs.reef_health.resources import ReefHealthResource
from ocean_assets.location import load_definitions
from ocean_assets_tests.pg import PrivateCluster, private_cluster

KEY = "2024-03-05"
DAY = dt.date.fromisoformat(KEY)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch):
    try:
        with private_cluster() as c:
            monkeypatch.setenv("DATABASE_URL", c.url)
            yield c
    except FileNotFoundError as exc:  # no server binaries: only acceptable outside CI
        pytest.skip(str(exc))


@pytest.fixture
def defs(instance) -> dg.Definitions:
    defs = load_definitions()
    assert defs.resolve_job_def("ocean_daily").execute_in_process(  # pH comes from `acidity`
        instance=instance, partition_key=KEY, asset_selection=[dg.AssetKey("acidity")]).success
    return defs


def stop_at_second_batch(monkeypatch: pytest.MonkeyPatch, cluster: PrivateCluster, restart: bool) -> list[str]:
    """Upsert in batches of 2 and stop the server once the first batch has run inside the
    transaction (uncommitted); optionally start it again from another thread right away."""
    events: list[str] = []
    original = store._insert

    def insert(engine):  # noqa: ANN001, ANN202
        events.append("batch")
        if events.count("batch") == 2 and "stopped" not in events:
            cluster.stop("fast")
            events.append("stopped")
            if restart:
                threading.Thread(target=lambda: (cluster.start(), events.append("restarted"))).start()
        return original(engine)

    monkeypatch.setattr(store, "UPSERT_BATCH", 2)
    monkeypatch.setattr(store, "_insert", insert)
    return events


def rows(url: str) -> pd.DataFrame:
    with sa.create_engine(url).connect() as conn:
        return pd.read_sql(sa.text("SELECT date, reef_id FROM reef_health_scores"), conn)


def reef_count() -> int:
    from ocean_assets.defs.reef_health.assets import conditions_path

    return len(pd.read_parquet(conditions_path(ReefHealthResource(), KEY)))


def test_server_restart_mid_transaction_is_retried_to_one_row_per_reef(cluster, defs, instance, monkeypatch):
    events = stop_at_second_batch(monkeypatch, cluster, restart=True)
    result = defs.resolve_job_def("reef_health_daily").execute_in_process(instance=instance, partition_key=KEY)
    assert result.success
    assert "stopped" in events and "restarted" in events
    assert events.count("batch") > reef_count() / 2 + 1  # the whole transaction ran again after the restart
    assert any("database unavailable (OperationalError); attempt 1/6" in e.user_message
               for e in instance.all_logs(result.run_id))
    table = rows(cluster.url)
    assert len(table) == reef_count() > 2 and not table.duplicated().any()
    assert set(table["date"]) == {DAY}


def test_server_left_down_fails_cleanly_and_rerun_adds_no_duplicates(cluster, defs, instance, monkeypatch):
    original_insert = store._insert
    monkeypatch.setattr(ReefHealthResource, "database_backoff",
                        lambda self: Backoff(attempts=2, base_seconds=0.01, max_seconds=0.02))
    app = TestClient(create_app(cluster.url))
    assert app.get("/health").status_code == 200
    events = stop_at_second_batch(monkeypatch, cluster, restart=False)
    job = defs.resolve_job_def("reef_health_daily")
    failed = job.execute_in_process(instance=instance, partition_key=KEY, raise_on_error=False)
    assert not failed.success and "stopped" in events
    [error] = [str(e.event_specific_data.error) for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "OperationalError" in error and f"port {cluster.port}" in error
    assert not failed.is_node_success("health_scores") and failed.is_node_success("reef_conditions")

    down = app.get("/data/latest")  # the API stays up and says why
    assert down.status_code == 503 and "database unavailable" in down.json()["detail"]
    assert app.get("/health").status_code == 503

    cluster.start()
    assert rows(cluster.url).empty  # the first batch was never committed: nothing half-applied
    assert app.get("/health").status_code == 200  # pool_pre_ping reconnects
    monkeypatch.setattr(store, "_insert", original_insert)
    for _ in range(2):
        assert job.execute_in_process(instance=instance, partition_key=KEY,
                                      asset_selection=[dg.AssetKey("health_scores")]).success
        table = rows(cluster.url)
        assert len(table) == reef_count() and not table.duplicated().any()
    assert app.get("/data/latest").json()["total"] == reef_count()
