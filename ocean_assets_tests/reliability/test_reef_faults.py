"""reef_health under faults: a flaky Allen WFS ends in the same polygons as a clean one; a refusal is
permanent and clear; the database going away fails the run cleanly and a re-run adds no duplicates."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest
from shapely.geometry import box, mapping

from ocean_assets.core.reef_health.store import rows_for_day
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.db import get_engine
from ocean_assets.defs.reef_health.resources import ReefHealthResource
from ocean_assets.location import load_definitions
from ocean_assets.sources.reef_health.allen import AllenWfsSource
from ocean_assets_tests.loopback import http_server, send

FAST = Backoff(attempts=4, base_seconds=0.01, max_seconds=0.02)
BBOX = (145.0, -17.0, 146.0, -16.0)
FEATURES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": mapping(box(145.1, -16.9, 145.2, -16.8)),
     "properties": {"class_name": "Coral/Algae", "area_sqkm": 12.5}}]}


def serve(faults):
    calls = []

    def handler(request):
        calls.append(request.path)
        fault = faults.pop(0) if faults else None
        if fault == "503":
            send(request, 503, b"busy", "text/plain")
        elif fault == "429":
            send(request, 429, b"slow down", "text/plain", {"Retry-After": "0"})
        elif fault == "garbage":
            send(request, 200, b'{"type": "FeatureCollection", "featu', "application/json")
        elif fault == "403":
            send(request, 403, b"forbidden", "text/plain")
        else:
            send(request, 200, json.dumps(FEATURES).encode(), "application/json")

    return handler, calls


def fetch(base: str):
    return AllenWfsSource(f"{base}/geoserver/ows", "coral-atlas:benthic_data_verbose", 2.0, ["Coral/Algae"],
                          backoff=FAST).fetch(BBOX)


def test_transient_wfs_faults_end_like_a_clean_fetch():
    clean_handler, _ = serve([])
    with http_server(clean_handler) as base:
        clean = fetch(base)
    flaky_handler, calls = serve(["503", "429", "garbage"])
    with http_server(flaky_handler) as base:
        flaky = fetch(base)
    assert len(calls) == 4
    assert flaky.to_json() == clean.to_json()


def test_wfs_refusal_is_permanent_and_clear():
    handler, calls = serve(["403"] * 5)
    with http_server(handler) as base, pytest.raises(PermanentError, match="HTTP 403"):
        fetch(base)
    assert len(calls) == 1


def test_database_outage_fails_cleanly_then_rerun_has_no_duplicates(instance, data_root, monkeypatch):
    monkeypatch.setattr(ReefHealthResource, "database_backoff", lambda self: FAST)  # retried, then fails
    defs = load_definitions()
    defs.resolve_job_def("ocean_daily").execute_in_process(
        instance=instance, partition_key="2024-03-05", asset_selection=[dg.AssetKey("acidity")])
    job = defs.resolve_job_def("reef_health_daily")
    down = ReefHealthResource(database_url="postgresql+psycopg2://postgres@127.0.0.1:1/unreachable")
    failed = job.execute_in_process(instance=instance, partition_key="2024-03-05", raise_on_error=False,
                                    resources={"reef_health": down})
    assert not failed.success
    errors = [str(e.event_specific_data.error) for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(errors) == 1 and "OperationalError" in errors[0] and "127.0.0.1" in errors[0]
    # only the database step failed: the downloads landed (their /metrics bookkeeping is best effort)
    assert all(failed.is_node_success(step) for step in ("reef_polygons", "crw_daily", "reef_conditions"))
    assert not failed.is_node_success("health_scores")
    assert job.execute_in_process(instance=instance, partition_key="2024-03-05").success
    rows = rows_for_day(get_engine(), dt.date(2024, 3, 5))
    assert job.execute_in_process(instance=instance, partition_key="2024-03-05").success
    assert rows_for_day(get_engine(), dt.date(2024, 3, 5)) == rows > 0
