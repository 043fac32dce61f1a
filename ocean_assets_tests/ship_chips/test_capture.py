"""Live AIS is captured ahead of time: the capture sensor launches a run per predicted window, the
run stores the raw frames, and a live day without a capture fails or is skipped with its reason."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml

from ocean_assets.core.ship_chips import capture, layout
from ocean_assets.defs.ship_chips.capture import (
    ais_capture,
    capture_requests,
    lagged_partition,
    ship_chips_after_l2a_lag,
)
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.settings import PROJECT_ROOT

from .contracts import aisstream_frames
from .servers import ws_server
from .test_core import KML
from .test_live_sources import live_config

DAY = "2026-04-10"
PASS = dt.datetime(2026, 4, 10, 10, 40, 1, tzinfo=dt.UTC)  # the KML plan's 31UFU swath


def _config(tmp_path: Path, **track: object) -> Path:
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "ship_chips.yaml").read_text())
    raw["satellite_tracking"].update(track)
    conf = tmp_path / "capture_config"
    conf.mkdir(exist_ok=True)
    (conf / "plan.kml").write_text(KML)
    (conf / "ship_chips.yaml").write_text(yaml.safe_dump(raw))
    return conf


@pytest.fixture
def live_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ShipChipsResource:
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(_config(tmp_path, mode="esa_plan", esa_plan="plan.kml")))
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
    monkeypatch.setenv("AISSTREAM_API_KEY", "good-key")
    return ShipChipsResource()


def test_sensor_requests_one_capture_run_per_predicted_window(live_plan: ShipChipsResource):
    # The window is the pass +- ais.window_min (5 min); the run starts capture.lead_min (2 min) before.
    early = capture_requests(live_plan, PASS - dt.timedelta(minutes=8))
    assert isinstance(early, dg.SkipReason) and "no predicted window" in early.skip_message
    [request] = capture_requests(live_plan, PASS - dt.timedelta(minutes=6, seconds=30))
    assert request.run_key == "ais-capture-31UFU-20260410T104001"
    config = request.run_config["ops"]["capture_ais_window"]["config"]
    assert config["tile"] == "31UFU" and config["pass_start"] == PASS.isoformat()
    assert pd.Timestamp(config["start"]) == PASS - dt.timedelta(minutes=5)
    assert pd.Timestamp(config["end"]) == pd.Timestamp("2026-04-10T10:46:30Z")
    # Still due during the window (the run key keeps it to one run); over afterwards.
    assert capture_requests(live_plan, PASS)[0].run_key == request.run_key
    assert isinstance(capture_requests(live_plan, PASS + dt.timedelta(minutes=7)), dg.SkipReason)


def test_sensor_skips_in_demo_and_when_passes_cannot_be_predicted(tmp_path, monkeypatch):
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(_config(tmp_path, mode="backfill")))
    assert "demo mode" in capture_requests(ShipChipsResource(), PASS).skip_message
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
    assert "backfill" in capture_requests(ShipChipsResource(), PASS).skip_message


def test_capture_run_stores_the_raw_frames_of_the_window(live_plan, instance, data_root: Path):
    frames = list(aisstream_frames().values())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    window = {"tile": "31UFU", "start": now.isoformat(), "end": (now + dt.timedelta(seconds=8)).isoformat(),
              "pass_start": now.isoformat(), "pass_end": now.isoformat()}
    with ws_server(frames) as (url, subs):
        raw = yaml.safe_load((Path(live_plan.config_dir()) / "ship_chips.yaml").read_text())
        raw["ais"]["endpoint"] = url
        raw["aois"][0]["bbox"] = [3.0, 51.0, 6.0, 53.5]  # the tile's box, around the real frame off Rotterdam
        (Path(live_plan.config_dir()) / "ship_chips.yaml").write_text(yaml.safe_dump(raw))
        result = ais_capture.execute_in_process(
            instance=instance, resources={"ship_chips_env": live_plan},
            run_config={"ops": {"capture_ais_window": {"config": window}}})
    assert result.success and subs[-1]["FilterMessageTypes"] == ["PositionReport", "ShipStaticData"]
    root = data_root / "ship_chips"
    [(meta, path)] = capture.read_captures(root, [now.date().isoformat()], "31UFU")
    assert meta.frames == 2 and meta.source == "aisstream" and path.name == f"31UFU_{now:%H%M%S}.jsonl"
    assert [json.loads(line)["MessageType"] for line in path.read_text().splitlines()] == [
        "PositionReport", "ShipStaticData"]


def test_capture_run_after_its_window_fails_with_the_reason(live_plan, instance):
    past = {"tile": "31UFU", "start": "2026-04-10T10:35:01+00:00", "end": "2026-04-10T10:46:30+00:00",
            "pass_start": "2026-04-10T10:40:01+00:00", "pass_end": "2026-04-10T10:41:30+00:00"}
    result = ais_capture.execute_in_process(instance=instance, resources={"ship_chips_env": live_plan},
                                            run_config={"ops": {"capture_ais_window": {"config": past}}},
                                            raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "ended at 10:46:30Z before the capture started" in str(failure.event_specific_data.error)


def test_live_day_without_captured_ais_fails_or_is_skipped_with_the_reason(demo_day, stac_api, instance,
                                                                           tmp_path, monkeypatch, data_root):
    """aisstream has no history: a past day whose pass was not captured must not run a live capture
    now and quietly match nothing. It fails at ais_snapshots with the reason; with
    ais.on_missing_capture: skip it completes, and the WARN check and the QA report say why."""
    from ocean_assets.location import load_definitions

    now_frames = list(aisstream_frames().values())  # what the live stream would send today
    with ws_server(now_frames) as (ws_url, subs):
        monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(live_config(tmp_path, stac_api[0], ws_url)))
        monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
        monkeypatch.setenv("AISSTREAM_API_KEY", "good-key")
        job = load_definitions().resolve_job_def("ship_chips_daily")
        failed = job.execute_in_process(instance=instance, partition_key=DAY, raise_on_error=False)
        assert not failed.success
        [failure] = [e for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
        assert failure.step_key == "ais_snapshots"
        assert "no AIS was captured for 1 predicted window(s): 31UFU 2026-04-10" in str(failure.event_specific_data.error)
        assert not [e for e in failed.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
        assert subs == []  # nothing tried to "collect" a past day from the live stream

        monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR",
                           str(live_config(tmp_path, stac_api[0], ws_url, on_missing_capture="skip")))
        skipped = load_definitions().resolve_job_def("ship_chips_daily").execute_in_process(
            instance=instance, partition_key=DAY)
    assert skipped.success
    [check] = [e.event_specific_data for e in skipped.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
               and e.event_specific_data.check_name == "scenes_matched_ais"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "no AIS captured for 31UFU 2026-04-10" in check.metadata["message"].value
    assert check.metadata["scenes"].value == 1 and check.metadata["observations"].value == 0
    html = layout.qa_path(data_root / "ship_chips", DAY).read_text()
    assert "AIS not captured for 1 predicted window(s)" in html


def test_after_l2a_lag_schedule_chips_the_day_lag_days_ago():
    when = dt.datetime(2026, 4, 12, 6, tzinfo=dt.UTC)
    assert lagged_partition(ShipChipsResource(), when) == "2026-04-10"
    context = dg.build_schedule_context(scheduled_execution_time=when,
                                        resources={"ship_chips_env": ShipChipsResource()})
    request = ship_chips_after_l2a_lag(context)
    assert request.partition_key == "2026-04-10" and request.run_key == "ship_chips-2026-04-10"
