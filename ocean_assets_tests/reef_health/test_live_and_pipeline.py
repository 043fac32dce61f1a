"""Live Allen WFS and CRW ERDDAP clients against loopback servers; the reef graph in Dagster with pH
from the ocean domain; the dashboard (Streamlit AppTest) against the API on loopback; SQLite -> PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, unquote, urlparse

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner
from shapely.geometry import box, mapping

from ocean_assets.cli import cli
from ocean_assets.core.io import sha256_file
from ocean_assets.core.reef_health import store
from ocean_assets.location import load_definitions
from ocean_assets.sources.reef_health.allen import AllenWfsSource, tiles
from ocean_assets.sources.reef_health.crw import ErddapCrwSource
from ocean_assets_tests.loopback import ErddapGriddap, asgi_server, http_server, send
from ocean_assets_tests.pg import temporary_database

from .conftest import scored

DAY = "2024-03-05"


def test_wfs_client_tiles_the_bbox_and_deduplicates():
    reef_a = {"type": "Feature", "geometry": mapping(box(145.1, -16.9, 145.2, -16.8)),
              "properties": {"class_name": "Coral/Algae", "area_sqkm": 12.5}}
    sand = {"type": "Feature", "geometry": mapping(box(146.1, -15.9, 146.2, -15.8)),
            "properties": {"class_name": "Sand", "area_sqkm": 3.0}}
    requests_seen = []

    def wfs(request):
        query = parse_qs(urlparse(request.path).query)
        requests_seen.append(query)
        assert query["service"] == ["WFS"] and query["request"] == ["GetFeature"]
        assert query["typeNames"] == ["coral-atlas:benthic_data_verbose"]
        assert query["outputFormat"] == ["application/json"]
        # every tile answers with the straddling reef: the client must keep one copy
        send(request, 200, json.dumps({"type": "FeatureCollection", "features": [reef_a, sand]}).encode(),
             "application/json")

    with http_server(wfs) as base:
        frame = AllenWfsSource(f"{base}/geoserver/ows", "coral-atlas:benthic_data_verbose", 1.0,
                               ["Coral/Algae"]).fetch((145.0, -17.0, 147.0, -15.0))
    assert len(requests_seen) == len(tiles((145.0, -17.0, 147.0, -15.0), 1.0)) == 4
    assert list(frame["class_name"]) == ["Coral/Algae"] and frame["area_sqkm"].iloc[0] == 12.5
    assert frame["reef_id"].iloc[0].startswith("reef-")


def test_crw_client_queries_north_to_south(tmp_path):
    lat = np.arange(-10.025, -12.0, -0.05)
    lon = np.arange(145.025, 146.0, 0.05)
    data = np.full((1, lat.size, lon.size), 27.0, dtype="float32")
    ds = xr.Dataset({v: (("time", "latitude", "longitude"), data) for v in
                     ("CRW_SST", "CRW_SSTANOMALY", "CRW_DHW", "CRW_BAA")},
                    coords={"time": pd.to_datetime([f"{DAY}T12:00:00"]), "latitude": lat, "longitude": lon})
    server = ErddapGriddap({"dhw_5km": ds}, tmp_path)
    with http_server(server) as base:
        out = ErddapCrwSource(base, "dhw_5km", ["CRW_SST", "CRW_SSTANOMALY", "CRW_DHW", "CRW_BAA"]).fetch(
            dt.date(2024, 3, 5), (145.0, -11.0, 145.5, -10.0), tmp_path)
    assert "[(-10.0):1:(-11.0)]" in unquote(server.requests[0])
    assert out.sizes["latitude"] == 20 and float(out.latitude[0]) > float(out.latitude[-1])


def test_reef_graph_needs_acidity_then_scores_idempotently(instance, data_root):
    defs = load_definitions()
    job = defs.resolve_job_def("reef_health_daily")
    missing = job.execute_in_process(instance=instance, partition_key=DAY, raise_on_error=False)
    failure = [e for e in missing.all_events if e.event_type_value == "STEP_FAILURE"][0]
    assert "materialize acidity for 2024-03-05 first" in str(failure.event_specific_data.error)
    ocean = defs.resolve_job_def("ocean_daily")
    ocean.execute_in_process(instance=instance, partition_key=DAY, asset_selection=[dg.AssetKey("acidity")])
    first = job.execute_in_process(instance=instance, partition_key=DAY)
    assert first.success
    checks = [e.event_specific_data for e in first.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert {c.check_name for c in checks} == {"conditions_complete", "ph_joined", "scores_schema", "row_count",
                                              "anomaly_jump", "baa_matches_definition"} and all(c.passed for c in checks)
    from ocean_assets.db import get_engine

    engine = get_engine()
    rows = store.rows_for_day(engine, dt.date(2024, 3, 5))
    assert rows > 10
    files = sorted(p for p in (data_root / "reef_health").rglob("*") if p.is_file())
    assert len(files) == 3  # polygons, CRW grid, conditions
    digests = {p: sha256_file(p) for p in files}
    assert job.execute_in_process(instance=instance, partition_key=DAY).success
    assert store.rows_for_day(engine, dt.date(2024, 3, 5)) == rows  # re-run: no duplicates, none lost
    assert {p: sha256_file(p) for p in files} == digests  # ... and the same bytes
    assert b".tmp" not in files[-1].read_bytes() and b'"name": "reef_polygons"' in files[-1].read_bytes()
    with engine.connect() as conn:
        ph = pd.read_sql("SELECT ph FROM reef_health_scores", conn)["ph"]
    assert ph.between(7.8, 8.3).all()


@pytest.fixture
def api_server(tmp_path):
    """The API on 127.0.0.1 (uvicorn in a thread) over a SQLite database with a few days of scores."""
    from ocean_assets.api.app import create_app
    from ocean_assets.db import get_engine, migrate

    url = f"sqlite:///{tmp_path / 'dash.db'}"
    migrate(url)
    for i in range(5):
        store.upsert_scores(get_engine(url), scored(dt.date(2024, 3, 1) + dt.timedelta(days=i), anomalies=2)
                            .assign(alert_level=[7, 5, 3, 1, 0]))  # CRW levels 0-7, the worst included
    with asgi_server(create_app(url)) as base:
        yield base


def test_dashboard_renders_every_page_from_the_api(api_server, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from ocean_assets.settings import PROJECT_ROOT

    monkeypatch.setenv("OCEAN_ASSETS_API_URL", api_server)
    app = AppTest.from_file(str(PROJECT_ROOT / "ocean_assets/dashboard/app.py"), default_timeout=30).run()
    assert not app.exception, app.exception
    assert [t.label for t in app.tabs] == ["Live map", "Time series", "Anomalies", "Statistics"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Reefs"] == "5" and metrics["Anomalous"] == "2" and metrics["Records"] == "25"
    legend, anomalies = (frame.value for frame in app.dataframe)
    assert legend["level"].tolist() == list(range(8)) and legend["reefs"].tolist() == [1, 1, 0, 1, 0, 1, 0, 1]
    assert legend["alert"].iloc[7] == "Bleaching Alert Level 5" and legend["alert"].iloc[3] == "Bleaching Alert Level 1"
    assert set(anomalies["alert"]) == {"Bleaching Alert Level 5", "Bleaching Alert Level 3"}


def test_dashboard_says_when_the_api_is_down(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from ocean_assets.settings import PROJECT_ROOT

    monkeypatch.setenv("OCEAN_ASSETS_API_URL", "http://127.0.0.1:9")
    app = AppTest.from_file(str(PROJECT_ROOT / "ocean_assets/dashboard/app.py"), default_timeout=30).run()
    assert not app.exception and "not reachable" in app.error[0].value


def test_copy_sqlite_to_postgres(tmp_path, postgres_url):
    from ocean_assets.db import get_engine, migrate

    source = tmp_path / "local.db"
    migrate(f"sqlite:///{source}")
    store.upsert_scores(get_engine(f"sqlite:///{source}"), scored(dt.date(2024, 3, 1), reefs=7))
    with temporary_database(postgres_url, "oa_copy") as target:
        for _ in range(2):  # twice: upserts, so no duplicates
            result = CliRunner().invoke(cli, ["db", "copy-sqlite-to-postgres", "--sqlite", str(source), "--to", target],
                                        catch_exceptions=False)
            assert result.exit_code == 0 and "copied 7 row(s)" in result.output
        assert store.rows_for_day(get_engine(target), dt.date(2024, 3, 1)) == 7
        get_engine(target).dispose()
