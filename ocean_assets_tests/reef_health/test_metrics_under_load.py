"""/metrics as Prometheus meets it: 32 scrapers at once against a fresh instance and a fresh
database (real uvicorn on 127.0.0.1), a database that is down, and the 503s the data routes
declare in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from fastapi.testclient import TestClient

from ocean_assets.api.app import create_app
from ocean_assets.api.lag import cached_lag_source
from ocean_assets.core.reef_health import store
from ocean_assets.db import get_engine, migrate
from ocean_assets.location import load_definitions
from ocean_assets_tests.loopback import asgi_server

from .conftest import scored

CLIENTS = 32
DOWN = "postgresql+psycopg2://postgres@127.0.0.1:1/unreachable"  # nothing listens on port 1


def scrape_all(url: str, clients: int = CLIENTS) -> list[requests.Response]:
    start = threading.Barrier(clients)

    def one(_: int) -> requests.Response:
        start.wait(timeout=60)  # every client sends at the same moment
        return requests.get(url, timeout=120)

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(clients)))


def test_32_concurrent_scrapes_of_a_fresh_instance_all_answer(tmp_path):
    """Fresh DAGSTER_HOME (the conftest's, never opened) and a fresh database: the first scrapes
    race to open the instance and load the definitions."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app(url, lag_source=cached_lag_source(load_definitions))
    with asgi_server(app) as base:
        answers = scrape_all(f"{base}/metrics")
    assert [r.status_code for r in answers] == [200] * CLIENTS, {r.status_code: r.text[:300] for r in answers}
    assert all("ocean_assets_database_up 1.0" in r.text and "ocean_assets_lag_up 1.0" in r.text for r in answers)


def test_concurrent_api_starts_on_one_fresh_database(tmp_path):
    """Several API processes' start-up migrations on one fresh database (here: threads)."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with ThreadPoolExecutor(8) as pool:
        apps = list(pool.map(lambda _: create_app(url), range(8)))
    assert all(TestClient(app).get("/metrics").status_code == 200 for app in apps)


def test_database_down_keeps_process_and_lag_metrics():
    app = TestClient(create_app(DOWN, lag_source=lambda: {"sst": 3600.0}, migrate_schema=False))
    response = app.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert "ocean_assets_database_up 0.0" in text
    assert 'ocean_assets_asset_lag_seconds{asset="sst"} 3600.0' in text
    assert "process_cpu_seconds_total" in text and "python_info" in text
    assert "ocean_records" not in text  # database-backed metrics are absent, not zero
    data = app.get("/data/latest")
    assert data.status_code == 503 and data.headers["Retry-After"] == "5"
    assert app.get("/health").headers["Retry-After"] == "5"


def test_lag_failure_keeps_database_metrics(tmp_path):
    url = f"sqlite:///{tmp_path / 'lag.db'}"
    migrate(url)
    store.upsert_scores(get_engine(url), scored(dt.date(2024, 3, 5)))

    def broken() -> dict[str, float]:
        raise RuntimeError("instance storage locked")

    text = TestClient(create_app(url, lag_source=broken)).get("/metrics").text
    assert "ocean_assets_lag_up 0.0" in text and "ocean_records 5.0" in text


def test_openapi_declares_the_503s_of_every_data_route(tmp_path):
    spec = TestClient(create_app(f"sqlite:///{tmp_path / 'spec.db'}")).get("/openapi.json").json()
    data_routes = ["/health", "/data/latest", "/data/timeseries", "/data/anomalies", "/stats", "/reefs"]
    for route in data_routes:
        answer = spec["paths"][route]["get"]["responses"]["503"]
        assert "Retry-After" in answer["headers"], route
    assert "503" not in spec["paths"]["/metrics"]["get"]["responses"]


def test_cached_lag_source_refreshes_once_for_concurrent_callers():
    calls = []
    gate = threading.Event()

    def slow_read(defs):
        calls.append(defs)
        gate.wait(5)
        return {"sst": 1.0}

    source = cached_lag_source(lambda: "defs", read=slow_read)
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(source) for _ in range(CLIENTS)]
        gate.set()
        results = [f.result(timeout=30) for f in futures]
    assert results == [{"sst": 1.0}] * CLIENTS and len(calls) == 1
