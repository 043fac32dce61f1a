"""Idempotent upserts, every endpoint (good and bad parameters), /metrics, retention — on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ocean_assets.api.app import create_app
from ocean_assets.cli import cli
from ocean_assets.core.reef_health import store
from ocean_assets.db.models import ReefHealthScore
from ocean_assets.settings import PROJECT_ROOT

from .conftest import scored

DAY = dt.date(2024, 3, 5)


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ReefHealthScore)).scalar_one()


def test_upsert_is_idempotent_and_updates(engine):
    frame = scored(DAY)
    assert store.upsert_scores(engine, frame) == 5
    assert store.upsert_scores(engine, frame) == 5
    assert count(engine) == 5
    changed = frame.assign(sst=29.5)
    store.upsert_scores(engine, changed)
    with engine.connect() as conn:
        assert {r for (r,) in conn.execute(select(ReefHealthScore.sst))} == {29.5}
    store.upsert_scores(engine, scored(DAY + dt.timedelta(days=1)))
    assert count(engine) == 10


@pytest.fixture
def client(engine, db_url):
    for i in range(10):
        store.upsert_scores(engine, scored(DAY + dt.timedelta(days=i), anomalies=i % 3, sst=26 + i * 0.1))
    store.record_fetch(engine, "noaa", "fetch")
    store.record_fetch(engine, "noaa", "retry", "http_429")
    store.record_fetch(engine, "allen", "failure", "timeout")
    return TestClient(create_app(db_url))


def test_endpoints(client):
    assert client.get("/health").json() == {"status": "ok", "latest_day": "2024-03-14"}
    latest = client.get("/data/latest", params={"limit": 2}).json()
    assert latest["total"] == 5 and len(latest["items"]) == 2 and latest["items"][0]["date"] == "2024-03-14"
    series = client.get("/data/timeseries", params={"days": 3}).json()
    assert [s["date"] for s in series] == ["2024-03-12", "2024-03-13", "2024-03-14"]
    assert series[-1]["sst"] == pytest.approx(26.9) and series[-1]["reefs"] == 5
    anomalies = client.get("/data/anomalies", params={"days": 7}).json()
    assert anomalies["total"] == sum(i % 3 for i in range(3, 10))
    stats = client.get("/stats", params={"days": 10}).json()
    assert stats["records"] == 50 and stats["reefs"] == 5 and stats["anomalies"] == sum(i % 3 for i in range(10))
    assert client.get("/reefs").json()["total"] == 5
    assert "/data/timeseries" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("path, params", [
    ("/data/timeseries", {"days": 0}), ("/data/timeseries", {"days": 100000}), ("/data/timeseries", {"days": "x"}),
    ("/data/anomalies", {"limit": 0}), ("/data/latest", {"limit": 5000}), ("/data/latest", {"offset": -1}),
    ("/data/timeseries", {"reef_id": "'; DROP TABLE reef_health_scores; --"}), ("/stats", {"days": -3}),
])
def test_bad_parameters_are_422(client, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][0] == "query"


def test_metrics(client):
    text = client.get("/metrics").text
    assert "ocean_avg_sst_celsius 26.9" in text
    assert "ocean_avg_ph 8.0" in text and "ocean_avg_health_score 80.0" in text
    assert "ocean_records 50.0" in text and "# TYPE ocean_records gauge" in text  # falls with retention
    assert "# TYPE ocean_anomalies gauge" in text and "ocean_assets_database_up 1.0" in text
    assert 'ai_pipeline_fetches{source="noaa"} 1.0' in text
    assert 'ai_pipeline_fetch_retries{reason="http_429",source="noaa"} 1.0' in text
    assert 'ai_pipeline_fetch_failures{source="allen"} 1.0' in text
    types = [line for line in text.splitlines() if line.startswith(("# TYPE ocean_", "# TYPE ai_pipeline"))]
    assert len(types) > 8 and all(line.endswith(" gauge") for line in types), types


def test_alert_rules_use_exported_metrics(client):
    rules = yaml.safe_load((PROJECT_ROOT / "config/prometheus/alert_rules.yml").read_text())
    by_name = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    assert {"HighSST", "ManyAnomalies"} <= set(by_name)
    exported = client.get("/metrics").text
    for rule in by_name.values():
        metric = next(tok for tok in rule["expr"].replace("(", " ").replace("[", " ").replace("{", " ").split()
                      if tok.startswith(("ocean_", "ai_pipeline_")))
        assert f"# TYPE {metric} gauge" in exported, metric
    assert by_name["HighSST"]["expr"] == "ocean_avg_sst_celsius > 29" and by_name["HighSST"]["for"] == "10m"


def test_retention_refuses_to_delete_unarchived(engine, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    for i in range(10):
        store.upsert_scores(engine, scored(DAY + dt.timedelta(days=i)))
    runner = CliRunner()
    today = "2024-03-15"
    refused = runner.invoke(cli, ["retention", "--delete-days", "5", "--today", today])
    assert refused.exit_code == 1 and "never archived" in refused.output and count(engine) == 50
    archived = runner.invoke(cli, ["retention", "--archive-days", "5", "--archive-dir", str(tmp_path / "arch"),
                                   "--today", today], catch_exceptions=False)
    assert archived.exit_code == 0 and "archived 25 row(s)" in archived.output
    [path] = (tmp_path / "arch").glob("*.csv.gz")
    assert len(gzip.decompress(path.read_bytes()).decode().splitlines()) == 26
    deleted = runner.invoke(cli, ["retention", "--delete-days", "5", "--today", today], catch_exceptions=False)
    assert deleted.exit_code == 0 and "deleted 25 row(s)" in deleted.output and count(engine) == 25
    status = runner.invoke(cli, ["retention", "--status"], catch_exceptions=False)
    assert '"rows": 25' in status.output and "csv.gz" in status.output


def test_asset_lag_metric_from_the_instance(instance, tmp_path):
    import dagster as dg

    from ocean_assets.api.lag import asset_lag_seconds
    from ocean_assets.location import load_definitions

    defs = load_definitions()
    defs.resolve_job_def("ocean_daily").execute_in_process(
        instance=instance, partition_key="2024-03-05", asset_selection=[dg.AssetKey("acidity")])
    now = dt.datetime(2024, 3, 8, 12, tzinfo=dt.UTC)  # partitions through 2024-03-07 should exist
    lags = asset_lag_seconds(instance, defs, now)
    assert lags == {"acidity": 2 * 86400.0}
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'lag.db'}", lag_source=lambda: lags))
    assert 'ocean_assets_asset_lag_seconds{asset="acidity"} 172800.0' in client.get("/metrics").text


def test_api_engine_cannot_write(engine, db_url):
    import sqlalchemy as sa

    from ocean_assets.db.engine import get_readonly_engine

    store.upsert_scores(engine, scored(DAY))
    readonly = get_readonly_engine(db_url)
    with readonly.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReefHealthScore)).scalar_one() == 5
    with pytest.raises(sa.exc.DBAPIError), readonly.begin() as conn:
        conn.execute(sa.text("DELETE FROM reef_health_scores"))
    assert count(engine) == 5
    readonly.dispose()
