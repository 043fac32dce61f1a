"""Pure logic: overpasses, matching, gate, chips, index schema, retry store, prune."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import sqlalchemy as sa

from ocean_assets.core.retry import Backoff
from ocean_assets.core.ship_chips import chipping, overpass, retry_store, validation
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips.prune import prune
from ocean_assets.sources.ship_chips.ais import parse_time_utc

from .conftest import DAY

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>NOMINAL</name>
<Placemark><ExtendedData>
  <Data name="ObservationTimeStart"><value>2026-04-10T10:40:01.000</value></Data>
  <Data name="ObservationTimeStop"><value>2026-04-10T10:41:30.000</value></Data>
  <Data name="OrbitAbsolute"><value>46100</value></Data><Data name="OrbitRelative"><value>51</value></Data>
</ExtendedData><Polygon><outerBoundary><LinearRing><coordinates>
  3.0,51.0,0 6.0,51.0,0 6.0,53.5,0 3.0,53.5,0 3.0,51.0,0</coordinates></LinearRing></outerBoundary></Polygon></Placemark>
<Placemark><ExtendedData>
  <Data name="ObservationTimeStart"><value>2026-04-10T11:00:00.000</value></Data>
  <Data name="ObservationTimeStop"><value>2026-04-10T11:01:00.000</value></Data>
</ExtendedData><Polygon><outerBoundary><LinearRing><coordinates>
  20,40 21,40 21,41 20,41 20,40</coordinates></LinearRing></outerBoundary></Polygon></Placemark>
</Folder></Document></kml>"""


def test_tle_mode_finds_a_daytime_descending_pass(cfg):
    tles = cfg.section("satellite_tracking")["tle"]
    passes = overpass.tle_passes(tles, cfg.aois, DAY)
    assert len(passes) >= 1
    for row in passes.itertuples():
        local = (row.start.hour + row.start.minute / 60 + 4.4 / 15) % 24
        assert 6 <= local <= 18 and row.tile == "31UFU"
    # A garbled TLE is a clear error, not a silent empty schedule.
    with pytest.raises(overpass.PlanError):
        overpass.tle_passes({"S2X": ["garbage", "lines"]}, cfg.aois, DAY)


@pytest.mark.parametrize("mode", ["tle", "esa_plan"])
def test_schedule_modes_read_their_input_files_from_the_config_dir(mode, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    import yaml

    from ocean_assets.defs.ship_chips.assets import schedule_for
    from ocean_assets.defs.ship_chips.resources import ShipChipsResource
    from ocean_assets.settings import PROJECT_ROOT

    raw = yaml.safe_load((PROJECT_ROOT / "config" / "ship_chips.yaml").read_text())
    raw["satellite_tracking"]["mode"] = mode
    tles = raw["satellite_tracking"].pop("tle")
    (tmp_path / "s2.tle").write_text("".join(f"{n}\n{a}\n{b}\n" for n, (a, b) in tles.items()))
    (tmp_path / "plan.kml").write_text(KML)
    raw["satellite_tracking"].update(tle_file="s2.tle", esa_plan="plan.kml")
    (tmp_path / "ship_chips.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(tmp_path))
    sched = schedule_for(ShipChipsResource(), "2026-04-10")
    assert len(sched) >= 1 and set(sched["source"]) == {mode} and set(sched["tile"]) == {"31UFU"}


def test_esa_plan_kml_and_csv_keep_only_intersecting_swaths(cfg, tmp_path: Path):
    swaths = overpass.parse_esa_kml(KML)
    assert len(swaths) == 2
    plan = overpass.plan_passes(swaths, cfg.aois, DAY)
    assert list(plan["tile"]) == ["31UFU"] and plan["start"][0].minute == 40
    csv = tmp_path / "plan.csv"
    csv.write_text("platform,start,end,footprint_wkt\nSentinel-2B,2026-04-10T10:40:00Z,2026-04-10T10:41:00Z,"
                   "\"POLYGON((3 51, 6 51, 6 53.5, 3 53.5, 3 51))\"\n")
    assert len(overpass.plan_passes(overpass.parse_esa_csv(csv), cfg.aois, DAY)) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,start\nx,y\n")
    with pytest.raises(overpass.PlanError, match="missing columns"):
        overpass.parse_esa_csv(bad)
    with pytest.raises(overpass.PlanError):
        overpass.parse_esa_kml("<kml><unclosed>")


def test_backfill_schedule_comes_from_items(demo_day):
    items, _ = demo_day
    sched = overpass.backfill_passes({"31UFU": items})
    assert len(sched) == 1 and sched["platform"][0] == items[0]["properties"]["platform"]


def test_aisstream_time_format_is_parsed_to_utc():
    ts = parse_time_utc("2026-04-25 09:47:25.26746452 +0000 UTC")
    assert ts == pd.Timestamp("2026-04-25T09:47:25.26746452Z")


def test_split_is_deterministic_per_mmsi_and_roughly_proportional():
    fr = {"train": 0.8, "val": 0.1, "test": 0.1}
    splits = [chipping.split_for(244_000_000 + i, fr) for i in range(2000)]
    assert splits == [chipping.split_for(244_000_000 + i, fr) for i in range(2000)]
    share = pd.Series(splits).value_counts(normalize=True)
    assert 0.75 < share["train"] < 0.85 and share["val"] > 0.05 and share["test"] > 0.05


def test_demo_day_keeps_water_vessels_and_rejects_cloud_and_land(cfg, demo_day):
    items, ais = demo_day
    obs = chipping.match_observations(ais, items, 10)
    assert len(obs) == 9
    recs = pd.DataFrame([chipping.process_observation(o, cfg.dataset_root, cfg.bands, cfg.section("tiling"),
                                                      cfg.section("gate")) for o in obs])
    assert (recs["status"] == "kept").sum() == 3
    assert sorted(recs.loc[recs["status"] == "rejected", "reason"].unique()) == ["cloud", "land"]
    kept = recs[recs["status"] == "kept"]
    paths = [Path(p) for p in kept["path"]]
    for p, split, mmsi in zip(paths, kept["split"], kept["mmsi"], strict=True):
        assert p.parts[-4:-1] == (split, str(mmsi), "20260410")
    assert validation.chip_format(paths, 64, 6).passed
    assert validation.chips_are_cogs(paths).passed
    rel = kept.assign(path=[str(p.relative_to(cfg.dataset_root)) for p in paths])
    assert validation.chip_centre(rel, cfg.dataset_root, 15).passed
    with rasterio.open(paths[0]) as src:
        assert src.descriptions == tuple(cfg.bands) and src.overviews(1) == [2]
        data = src.read()
    # The vessel is bright in the middle of the chip, the surroundings are dark water. The demo
    # scene is served like Earth Search's 04.00+ items: offset already applied (boa_add_offset 0).
    assert set(kept["boa_add_offset"]) == {0}
    centre = data[3, 26:38, 26:38].astype(float) * 1e-4
    assert centre.max() > 0.3 and np.median(data[3]) * 1e-4 < 0.05
    # Rejected observations wrote nothing.
    assert len(list((cfg.dataset_root / "chips").rglob("*.tif"))) == 3


def test_rerun_skips_existing_chips(cfg, demo_day):
    items, ais = demo_day
    obs = [o for o in chipping.match_observations(ais, items, 10)]
    first = [chipping.process_observation(o, cfg.dataset_root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
             for o in obs]
    kept = [r for r in first if r["status"] == "kept"]
    mtimes = [Path(r["path"]).stat().st_mtime_ns for r in kept]
    second = [chipping.process_observation(o, cfg.dataset_root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
              for o in obs]
    assert all(r["existed"] for r in second if r["status"] == "kept")
    assert [Path(r["path"]).stat().st_mtime_ns for r in second if r["status"] == "kept"] == mtimes


def test_chip_format_catches_a_wrong_dtype_chip(tmp_path: Path):
    bad = tmp_path / "bad.tif"
    with rasterio.open(bad, "w", driver="GTiff", width=64, height=64, count=6, dtype="float32",
                       crs="EPSG:4326", transform=rasterio.transform.from_origin(0, 1, 0.01, 0.01)) as dst:
        dst.write(np.zeros((6, 64, 64), "float32"))
    outcome = validation.chip_format([bad], 64, 6)
    assert not outcome.passed and "dtype" in outcome.message and "nodata" in outcome.message and "crs" in outcome.message


def test_missing_scene_band_raises_retryable_chip_error(cfg, demo_day):
    items, ais = demo_day
    Path(items[0]["assets"]["nir"]["href"]).unlink()
    obs = [o for o in chipping.match_observations(ais, items, 10)]
    with pytest.raises(chipping.ChipError):
        for o in obs:
            chipping.process_observation(o, cfg.dataset_root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))


def _index(cfg, demo_day) -> pd.DataFrame:
    items, ais = demo_day
    recs = []
    for o in chipping.match_observations(ais, items, 10):
        r = chipping.process_observation(o, cfg.dataset_root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
        r["path"] = str(Path(r["path"]).relative_to(cfg.dataset_root)) if r["path"] else ""
        recs.append(r)
    return idx.upsert_day(cfg.dataset_root, idx.to_geoframe(pd.DataFrame(recs), "2026-04-10"), "2026-04-10")


def test_index_schema_rejects_duplicates_bad_splits_and_missing_files(cfg, demo_day):
    index = _index(cfg, demo_day)
    root = cfg.dataset_root
    assert validation.index_valid(index, root).passed
    assert idx.footprints_path(root, "2026-04-10").name == "tiles_20260410.geojson"
    broken = pd.concat([index, index.iloc[[0]]], ignore_index=True)
    broken.loc[1, "split"] = "holdout"
    broken.loc[2, "path"] = "chips/none.tif"
    outcome = validation.index_valid(broken, root)
    assert not outcome.passed
    for word in ("chip_id", "split", "path"):
        assert word in outcome.message


def test_a_day_without_kept_chips_gives_a_valid_empty_index(cfg):
    empty = idx.upsert_day(cfg.dataset_root, idx.to_geoframe(pd.DataFrame(columns=["status"]), "2026-04-10"),
                           "2026-04-10")
    assert len(empty) == 0 and idx.index_path(cfg.dataset_root).exists()
    assert validation.index_valid(idx.read_index(cfg.dataset_root), cfg.dataset_root).passed


def test_prune_removes_mismatched_chips_from_files_and_index(cfg, demo_day):
    index = _index(cfg, demo_day)
    _, ais = demo_day
    victim = index.iloc[0]
    moved = ais.copy()
    moved.loc[moved["mmsi"] == victim["mmsi"], "latitude"] += 0.05  # ~5.5 km away
    removed = prune(cfg.dataset_root, moved, 10, 500)
    assert removed == [victim["chip_id"]]
    assert not (cfg.dataset_root / victim["path"]).exists()
    assert victim["chip_id"] not in set(idx.read_index(cfg.dataset_root)["chip_id"])
    assert len(idx.read_index(cfg.dataset_root)) == len(index) - 1


def test_retry_store_backs_off_exponentially_and_reports_due_days(tmp_path: Path):
    engine = retry_store.engine_for(f"sqlite:///{tmp_path / 'ops.db'}")
    t0 = dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC)
    key = {"obs_id": "2026-04-10/1_S", "day": "2026-04-10", "mmsi": 1, "scene_id": "S"}
    backoff = Backoff(base_seconds=60, max_seconds=3600, jitter=False)
    assert retry_store.record_failure(engine, **key, error="boom", now=t0, backoff=backoff, max_retries=2) == 1
    assert retry_store.due_days(engine, t0 + dt.timedelta(seconds=59), 10) == []
    assert retry_store.due_days(engine, t0 + dt.timedelta(seconds=61), 10) == [("2026-04-10", 1)]
    retry_store.record_failure(engine, **key, error="boom", now=t0, backoff=backoff, max_retries=2)
    with engine.connect() as conn:
        row = conn.execute(sa.select(retry_store.ais_observations)).one()
    assert row.retry_count == 2 and row.next_retry_at == dt.datetime(2026, 4, 10, 12, 2)
    retry_store.record_failure(engine, **key, error="boom", now=t0, backoff=backoff, max_retries=2)
    assert retry_store.due_days(engine, t0 + dt.timedelta(days=1), 10) == []  # exhausted: no more retries
    retry_store.record_success(engine, **key, now=t0)
    assert retry_store.failures(engine) == []
