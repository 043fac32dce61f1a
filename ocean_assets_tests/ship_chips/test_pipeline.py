"""The Dagster wiring: a demo day end to end, idempotent re-runs, range runs, blocking checks, retries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips import layout, retry_store
from ocean_assets.defs.ship_chips.jobs import ship_chips_retry_sensor
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.location import load_definitions

DAY = "2026-04-10"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


def _domain_assets(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    """This domain's assets only (other domains need their own resources and partitions)."""
    return [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)
            and set(a.group_names_by_key.values()) == {"ship_chips"}]


def _job(defs: dg.Definitions) -> dg.JobDefinition:
    return defs.resolve_job_def("ship_chips_daily")


def _checks(result: dg.ExecuteInProcessResult) -> list[dg.AssetCheckEvaluation]:
    return [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]


def test_demo_day_materializes_with_kept_and_rejected_chips(defs, instance, data_root: Path):
    result = _job(defs).execute_in_process(instance=instance, partition_key=DAY)
    assert result.success
    checks = _checks(result)
    assert len(checks) == 9 and all(c.passed for c in checks)  # 7 rules + drift on ship_chips and chip_index
    ais_check = next(c for c in checks if c.check_name == "scenes_matched_ais")
    assert ais_check.metadata["observations"].value == 9 and ais_check.metadata["scenes"].value == 1
    root = data_root / "ship_chips"
    records = pd.read_parquet(layout.records_path(root, DAY))
    assert (records["status"] == "kept").sum() == 3
    # The demo twin played the capture role: raw aisstream-shaped frames in the capture store.
    assert len(list((root / "ais_capture" / "20260410").glob("31UFU_*.jsonl"))) == 1
    assert set(records["position_method"]) == {"interpolated"} and (records["ais_offset_s"].abs() <= 5).all()
    assert records.loc[records["status"] == "rejected", "reason"].value_counts().to_dict() == {"cloud": 3, "land": 3}
    index = idx.read_index(root)
    assert len(index) == 3 and index.crs.to_epsg() == 4326
    manifest = json.loads(layout.manifest_path(root).read_text())
    assert manifest["counts"]["chips"] == 3 and len(manifest["samples"]) == 3
    item = json.loads(next((root / "stac").glob("*/*.json")).read_text())
    assert item["assets"]["image"]["href"].startswith("../../chips/")  # relative by default
    assert any(link["rel"] == "derived_from" for link in item["links"])
    html = layout.qa_path(root, DAY).read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "cloud" in html and "land" in html and html.count("data:image/png;base64") == 3
    geo = json.loads(idx.footprints_path(root, DAY).read_text())
    assert len(geo["features"]) == 3
    mat = instance.get_latest_materialization_event(dg.AssetKey("ship_chips")).asset_materialization
    assert mat.metadata["kept"].value == 3 and mat.metadata["rejected_by_reason"].value == {"cloud": 3, "land": 3}

    # Re-running the partition rewrites nothing it already has and leaves the index identical.
    before = idx.index_path(root).read_bytes()
    version = instance.get_latest_materialization_event(dg.AssetKey("ship_chips")).asset_materialization.tags[
        "dagster/data_version"]
    again = _job(defs).execute_in_process(instance=instance, partition_key=DAY)
    assert again.success
    mat = instance.get_latest_materialization_event(dg.AssetKey("ship_chips")).asset_materialization
    assert mat.metadata["skipped_existing"].value == 3 and mat.metadata["written"].value == 0
    assert idx.index_path(root).read_bytes() == before
    assert mat.tags["dagster/data_version"] == version


def test_range_run_checks_every_partition(defs, instance, data_root: Path):
    result = _job(defs).execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": "2026-04-10", "dagster/asset_partition_range_end": "2026-04-11"})
    assert result.success
    parts = {(c.check_name, c.partition) for c in _checks(result)}
    assert ("chip_format", "2026-04-10") in parts and ("chip_format", "2026-04-11") in parts
    assert len(idx.read_index(data_root / "ship_chips")) == 6
    assert set(idx.read_index(data_root / "ship_chips")["day"]) == {"2026-04-10", "2026-04-11"}


def test_a_truncated_chip_is_rewritten_by_the_next_run(defs, instance, data_root: Path):
    sel = dg.AssetSelection.assets("overpass_schedule", "ais_snapshots", "s2_scenes", "ship_chips")
    assert dg.materialize(_domain_assets(defs), selection=sel, instance=instance, partition_key=DAY,
                          resources={"ship_chips_env": ShipChipsResource()}).success
    records = pd.read_parquet(layout.records_path(data_root / "ship_chips", DAY))
    chip = data_root / "ship_chips" / records.query("status == 'kept'")["path"].iloc[0]
    whole = chip.read_bytes()
    chip.write_bytes(whole[: len(whole) // 3])  # truncated after it was written
    result = _job(defs).execute_in_process(instance=instance, partition_key=DAY, raise_on_error=False)
    assert result.success and chip.read_bytes() == whole
    assert all(c.passed for c in _checks(result) if c.check_name in ("chip_format", "chip_is_valid_cog"))


def test_blocking_chip_check_stops_the_index(defs, instance, data_root: Path, monkeypatch):
    from ocean_assets.core.ship_chips import chipping

    # a bad chip the writer does not notice (it trusts chips on disk here): the checks must stop it
    monkeypatch.setattr(chipping, "unreadable", lambda *args, **kwargs: None)
    sel = dg.AssetSelection.assets("overpass_schedule", "ais_snapshots", "s2_scenes", "ship_chips")
    assert dg.materialize(_domain_assets(defs), selection=sel, instance=instance, partition_key=DAY,
                          resources={"ship_chips_env": ShipChipsResource()}).success
    records = pd.read_parquet(layout.records_path(data_root / "ship_chips", DAY))
    chip = data_root / "ship_chips" / records.query("status == 'kept'")["path"].iloc[0]
    chip.write_bytes(b"")  # a truncated chip
    result = _job(defs).execute_in_process(instance=instance, partition_key=DAY, raise_on_error=False)
    assert not result.success  # the blocking chip_format check fails on the bad chip ...
    failed = [c for c in _checks(result) if not c.passed]
    assert {c.check_name for c in failed} >= {"chip_format"}
    assert "unreadable" in failed[0].metadata["message"].value
    assert not idx.index_path(data_root / "ship_chips").exists()  # ... before the index is written


def test_chip_failures_are_recorded_and_the_sensor_requests_a_retry(defs, instance, data_root: Path):
    sel = dg.AssetSelection.assets("overpass_schedule", "ais_snapshots", "s2_scenes")
    assert dg.materialize(_domain_assets(defs), selection=sel, instance=instance, partition_key=DAY,
                          resources={"ship_chips_env": ShipChipsResource()}).success
    scenes = json.loads(layout.scenes_path(data_root / "ship_chips", DAY).read_text())
    Path(scenes[0]["assets"]["nir"]["href"]).unlink()  # an unreadable band: every chip of the day fails
    result = dg.materialize(_domain_assets(defs), selection=dg.AssetSelection.assets("ship_chips", "qa_report"),
                            instance=instance, partition_key=DAY, resources={"ship_chips_env": ShipChipsResource()})
    assert result.success
    records = pd.read_parquet(layout.records_path(data_root / "ship_chips", DAY))
    assert set(records["status"]) == {"failed"} and len(records) == 9
    engine = ShipChipsResource().engine()
    fails = retry_store.failures(engine, DAY)
    assert len(fails) == 9 and all(f["retry_count"] == 1 for f in fails)
    html = layout.qa_path(data_root / "ship_chips", DAY).read_text()
    assert html.count("nir.tif: No such file") == 9 and "<th>failed</th><td>9</td>" in html
    # Not due yet: the sensor skips; once due it requests the partition of the job.
    bound = defs.get_repository_def().get_top_level_resources()  # as the daemon passes them
    ctx = dg.build_sensor_context(instance=instance, definitions=defs, resources=bound)
    assert isinstance(ship_chips_retry_sensor(ctx), dg.SkipReason)
    with engine.begin() as conn:
        conn.execute(retry_store.ais_observations.update().values(
            next_retry_at=dt.datetime(2020, 1, 1)))
    requests = ship_chips_retry_sensor(dg.build_sensor_context(instance=instance, definitions=defs,
                                                                resources=bound))
    assert [(r.partition_key, r.run_key) for r in requests] == [(DAY, f"ship_chips-retry-{DAY}-1")]
