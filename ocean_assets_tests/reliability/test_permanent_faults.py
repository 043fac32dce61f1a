"""Permanent refusals through the Dagster assets of each domain with a live HTTP source (live mode,
loopback servers): the partition fails once, with the status in the reason, without Dagster
retries, and nothing lands at the final path. (Ocean: test_asset_faults.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
import yaml

from ocean_assets.core.ship_chips import layout
from ocean_assets.location import load_definitions
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.loopback import http_server, send

DAY = "2026-04-10"
REFUSAL = b'{"code": "Forbidden", "description": "this key may not read the collection"}'


def live_config(tmp_path: Path, name: str, edit) -> Path:  # noqa: ANN001
    raw = yaml.safe_load((PROJECT_ROOT / "config" / f"{name}.yaml").read_text())
    edit(raw)
    conf = tmp_path / "config"
    conf.mkdir(exist_ok=True)
    (conf / f"{name}.yaml").write_text(yaml.safe_dump(raw))
    return conf


def refusing(status: int, seen: list[str], landing: dict | None = None):  # noqa: ANN201
    """Answers GET / with ``landing`` (a STAC landing page) and everything else with ``status``."""
    def handle(request) -> None:  # noqa: ANN001
        seen.append(f"{request.command} {request.path.split('?')[0]}")
        if landing is not None and request.path == "/":
            base = f"http://{request.headers['Host']}"
            send(request, 200, json.dumps({**landing, "links": [
                {"rel": "self", "href": base + "/"},
                {"rel": "search", "href": base + "/search", "method": "POST"}]}).encode(), "application/json")
        else:
            send(request, status, REFUSAL, "application/json")
    return handle


def failed_once(result: dg.ExecuteInProcessResult, step: str) -> str:
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == [step]
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    return str(failures[0].event_specific_data.error)


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
    return monkeypatch


def test_stac_search_refused(live, tmp_path, instance, data_root):
    seen: list[str] = []
    landing = {"type": "Catalog", "id": "x", "stac_version": "1.0.0", "description": "t",
               "conformsTo": ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search",
                              "https://api.stacspec.org/v1.0.0/item-search#query"]}
    with http_server(refusing(403, seen, landing)) as base:
        def edit(raw: dict) -> None:
            raw["stac"]["endpoint"] = base
        live.setenv("OCEAN_ASSETS_CONFIG_DIR", str(live_config(tmp_path, "ship_chips", edit)))
        result = load_definitions().resolve_job_def("ship_chips_daily").execute_in_process(
            instance=instance, partition_key=DAY, raise_on_error=False,
            asset_selection=[dg.AssetKey("overpass_schedule")])
    error = failed_once(result, "overpass_schedule")  # the backfill schedule is the first search
    assert "overpasses for 2026-04-10: STAC API" in error and "refused the search: HTTP 403" in error
    assert "may not read the collection" in error
    assert seen.count("POST /search") == 1
    assert not layout.schedule_path(data_root / "ship_chips", DAY).exists()


def test_reef_atlas_refused(live, tmp_path, instance, data_root):
    from ocean_assets.defs.reef_health.assets import polygons_path
    from ocean_assets.defs.reef_health.resources import ReefHealthResource

    seen: list[str] = []
    with http_server(refusing(403, seen)) as base:
        def edit(raw: dict) -> None:
            raw["allen"]["wfs_url"] = f"{base}/geoserver/ows"
        live.setenv("OCEAN_ASSETS_CONFIG_DIR", str(live_config(tmp_path, "reef_health", edit)))
        result = load_definitions().resolve_job_def("reef_health_daily").execute_in_process(
            instance=instance, partition_key=DAY, raise_on_error=False, asset_selection=[dg.AssetKey("reef_polygons")])
    error = failed_once(result, "reef_polygons")
    assert "Allen Coral Atlas: WFS refused the request: HTTP 403" in error
    assert len(seen) == 1
    assert not polygons_path(ReefHealthResource(), DAY).exists()


def test_drop_box_refused(live, instance, data_root):
    seen: list[str] = []
    with http_server(refusing(401, seen)) as base:
        live.setenv("RAW_ZONE_LIVE_URL", f"{base}/drop/")
        live.setenv("RAW_ZONE_LIVE_TOKEN", "raw-zone-FAKE-token-1f2e")
        result = load_definitions().resolve_job_def("raw_zone_daily").execute_in_process(
            instance=instance, partition_key=DAY, raise_on_error=False,
            asset_selection=[dg.AssetKey("raw_funding_files")])
    error = failed_once(result, "raw_funding_files")
    assert "drop box 2026-04-10: GET" in error and "answered 401" in error
    assert "raw-zone-FAKE-token-1f2e" not in error
    assert len(seen) == 1
    assert not [p for p in data_root.rglob("*") if p.is_file() and p.suffix in (".json", ".csv")]
