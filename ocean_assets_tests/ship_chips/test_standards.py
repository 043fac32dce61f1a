"""Standards measured by standard tools: STAC core and extension schemas (vendored, offline), no
local paths in the catalog, RFC 7946 GeoJSON (vendored geojson.org schema + shapely orientation),
baseline-correct raster:bands, strict names, and kinds on every asset."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import jsonschema
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Polygon, shape

from ocean_assets.config import ConfigError
from ocean_assets.core.ship_chips import chipping, layout
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips.overpass import PlanError
from ocean_assets.core.ship_chips.settings import ChipConfig
from ocean_assets.core.ship_chips.stac import build_catalog, chip_item, validate_catalog
from ocean_assets.sources.ship_chips.ais import DemoAis
from ocean_assets.sources.ship_chips.scenes import DemoScenes

from .contracts import CONTRACTS

DAY = "2026-04-10"


def _chip_day(cfg: ChipConfig, day: str, edit=None) -> pd.DataFrame:  # noqa: ANN001
    """Records of a demo day chipped with the pipeline's own functions (paths relative to the root)."""
    aoi = cfg.aois[0]
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)
    items = DemoScenes(cfg.dataset_root / "demo_scenes").search(aoi, start, start + dt.timedelta(days=1), 100)
    items = [edit(i) for i in items] if edit else items
    t0 = chipping.scene_time(items[0])
    ais = DemoAis().positions(aoi, [(t0 - dt.timedelta(minutes=5), t0 + dt.timedelta(minutes=5))])
    records = []
    for obs in chipping.match_observations(ais, items, 10):
        rec = chipping.process_observation(obs, cfg.dataset_root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
        rec["path"] = Path(rec["path"]).relative_to(cfg.dataset_root).as_posix() if rec["path"] else ""
        records.append(rec)
    return pd.DataFrame(records)


def _all_strings(obj) -> list[str]:  # noqa: ANN001
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _all_strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _all_strings(v)]
    return [obj] if isinstance(obj, str) else []


def test_catalog_validates_against_core_and_extension_schemas_without_local_paths(cfg):
    root = cfg.dataset_root
    records = _chip_day(cfg, DAY)
    assert set(records["scene_href"]) == {"demo_scenes/31UFU/20260410/item.json"}  # relative, never local
    index = idx.upsert_day(root, idx.to_geoframe(records, DAY), DAY)
    catalog = build_catalog(index, root)
    assert validate_catalog(catalog) == []
    items = [json.loads(p.read_text()) for p in (root / "stac").glob("*/*.json")]
    assert len(items) == 3
    for item in items:
        assert not [s for s in _all_strings(item) if str(root) in s or s.startswith("/")]
        [link] = [link for link in item["links"] if link["rel"] == "derived_from"]
        target = (root / "stac" / item["id"] / link["href"]).resolve()
        assert target == (root / "demo_scenes/31UFU/20260410/item.json").resolve() and target.exists()
    published = build_catalog(index, root, base_url="https://example.com/ds")
    item = json.loads(next(published.parent.glob("*/*.json")).read_text())
    [link] = [link for link in item["links"] if link["rel"] == "derived_from"]
    assert link["href"] == "https://example.com/ds/demo_scenes/31UFU/20260410/item.json"
    assert all(s.startswith("https://example.com/ds/") for s in [item["assets"]["image"]["href"],
                                                                  *(x["href"] for x in item["links"])])
    assert validate_catalog(published) == []


@pytest.mark.parametrize(("edit", "schema"), [
    (lambda d: d["assets"]["image"]["raster:bands"][0].update(data_type="uint17"), "raster"),
    (lambda d: d["properties"].update({"proj:code": 32631}), "projection"),
    (lambda d: d["assets"]["image"]["eo:bands"][0].update(common_name="infrared-ish"), "eo"),
    (lambda d: d["stac_extensions"].append("https://stac-extensions.github.io/view/v1.0.0/schema.json"),
     "not vendored"),
])
def test_extension_schema_violations_are_reported(cfg, edit, schema):
    root = cfg.dataset_root
    index = idx.upsert_day(root, idx.to_geoframe(_chip_day(cfg, DAY), DAY), DAY)
    catalog = build_catalog(index, root)
    path = next((root / "stac").glob("*/*.json"))
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    errors = validate_catalog(catalog)
    assert len(errors) == 1 and doc["id"] in errors[0] and schema in errors[0]


def test_chips_of_scenes_before_baseline_04_carry_no_offset(cfg):
    """A 2021 scene (processing baseline 03.01): the gate still sees water, and the chip's index
    row and STAC raster:bands carry offset 0, not the -0.1 of later baselines."""
    root = cfg.dataset_root
    records = _chip_day(cfg, "2021-06-01")
    assert (records["status"] == "kept").sum() == 3 and set(records["boa_add_offset"]) == {0}
    index = idx.to_geoframe(records, "2021-06-01")
    bands = chip_item(next(index.itertuples()), root).assets["image"].extra_fields["raster:bands"]
    assert {(b["scale"], b["offset"]) for b in bands} == {(0.0001, 0.0)}
    # A 05.10 demo scene is served like Earth Search's: earthsearch:boa_offset_applied true, DNs
    # already harmonised, so its chips record and carry offset 0 too (never -0.1 applied twice).
    later_records = _chip_day(cfg, DAY)
    assert set(later_records["boa_add_offset"]) == {0}
    later = idx.to_geoframe(later_records, DAY)
    bands = chip_item(next(later.itertuples()), root).assets["image"].extra_fields["raster:bands"]
    assert {(b["scale"], b["offset"]) for b in bands} == {(0.0001, 0.0)}


def _offset_not_applied(item: dict) -> dict:
    """The demo item as Earth Search serves a 04.00+ item it has not harmonised: flag false and
    ESA's raw DNs (reflectance * 10000 + 1000) in every reflectance band."""
    import copy

    import numpy as np
    import rasterio

    out = copy.deepcopy(item)
    out["properties"]["earthsearch:boa_offset_applied"] = False
    for name, asset in out["assets"].items():
        if name == "scl":
            continue
        src_path = Path(asset["href"])
        dst_path = src_path.with_name(f"raw_{src_path.name}")
        with rasterio.open(src_path) as src:
            profile, data = src.profile, src.read(1)
        with rasterio.open(dst_path, "w", **profile) as dst:
            dst.write(np.where(data == 0, 0, data + 1000).astype(data.dtype), 1)
        asset["href"] = str(dst_path)
    return out


def test_chip_offsets_match_the_offset_applied(cfg):
    """A 04.00+ scene whose DNs still hold ESA's offset (flag false) is harmonised by -1000: the gate
    sees the same water as on the harmonised scene, and its chips say -1000 in the index and
    -0.1 in STAC raster:bands."""
    root = cfg.dataset_root
    records = _chip_day(cfg, DAY, edit=_offset_not_applied)
    harmonised = _chip_day(cfg, DAY)
    assert set(records["boa_add_offset"]) == {-1000}
    assert records["status"].tolist() == harmonised["status"].tolist()
    kept = records["status"] == "kept"
    assert (records.loc[kept, "ndwi"].to_numpy() == pytest.approx(harmonised.loc[kept, "ndwi"].to_numpy(), abs=1e-6))
    index = idx.to_geoframe(records, DAY)
    bands = chip_item(next(index.itertuples()), root).assets["image"].extra_fields["raster:bands"]
    assert {(b["scale"], b["offset"]) for b in bands} == {(0.0001, -0.1)}


def _rfc7946_problems(doc: dict) -> list[str]:
    schema = json.loads((CONTRACTS / "geojson" / "FeatureCollection.json").read_text())
    problems = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
    problems += ["crs member"] if "crs" in doc else []
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        polygons = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
        problems += [f"clockwise exterior in {feature['properties'].get('chip_id')}"
                     for p in polygons if not p.exterior.is_ccw]
        problems += [f"holes not clockwise in {feature['properties'].get('chip_id')}"
                     for p in polygons for h in p.interiors if h.is_ccw]
        w, s, e, n = geom.bounds
        problems += ["not lon/lat"] if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90) else []
    return problems


def test_footprints_are_rfc7946(cfg):
    root = cfg.dataset_root
    day_rows = idx.to_geoframe(_chip_day(cfg, DAY), DAY)
    doc = json.loads(idx.write_footprints(day_rows, root, DAY).read_text())
    assert len(doc["features"]) == 3 and _rfc7946_problems(doc) == []
    # A clockwise ring from elsewhere (e.g. an older index) is written counter-clockwise.
    clockwise = Polygon([(4.4, 52.4), (4.4, 52.41), (4.41, 52.41), (4.41, 52.4)])
    assert not clockwise.exterior.is_ccw
    doc = json.loads(idx.write_footprints(day_rows.set_geometry([clockwise] * 3, crs="EPSG:4326"), root, DAY).read_text())
    assert _rfc7946_problems(doc) == []


def test_a_chip_across_the_antimeridian_is_split_there():
    # A chip-sized ring straddling 180 degrees at 52 N (Bering Sea), corners in lon/lat.
    footprint = chipping.rfc7946_geometry(
        [(179.997, 52.0), (-179.994, 52.0), (-179.994, 52.006), (179.997, 52.006)])
    assert isinstance(footprint, MultiPolygon) and len(footprint.geoms) == 2
    assert all(p.exterior.is_ccw for p in footprint.geoms)
    west, south, east, north = footprint.bounds
    assert west == -180 and east == 180
    assert footprint.area == pytest.approx(0.009 * 0.006, rel=1e-6)
    frame = gpd.GeoDataFrame({"chip_id": ["a"]}, geometry=[footprint], crs="EPSG:4326")
    assert _rfc7946_problems(json.loads(frame.to_json(drop_id=True))) == []


def test_names_from_outside_are_checked_before_they_become_paths(cfg, tmp_path: Path):
    root = cfg.dataset_root
    bands = ["blue", "green", "red", "nir", "swir16", "swir22"]
    item = {"id": "../../../etc/cron.d/x", "bbox": [0, 0, 1, 1], "properties": {"datetime": "2026-04-10T10:40:00Z"},
            "assets": {b: {"href": "x.tif"} for b in [*bands, "scl"]}}
    assert "not a safe name" in chipping.scene_problem(item, bands)
    # A 7-digit MMSI (a base station) never becomes a chip folder.
    records = _chip_day(cfg, DAY)
    aoi = cfg.aois[0]
    start = dt.datetime.combine(dt.date(2026, 4, 10), dt.time(), dt.UTC)
    scene = DemoScenes(root / "demo_scenes").search(aoi, start, start + dt.timedelta(days=1), 100)[0]
    t0 = chipping.scene_time(scene)
    ais = DemoAis().positions(aoi, [(t0 - dt.timedelta(minutes=1), t0 + dt.timedelta(minutes=1))])
    good = chipping.match_observations(ais, [scene], 10)[0]
    rec = chipping.process_observation(replace(good, mmsi=2320061), root, cfg.bands, cfg.section("tiling"),
                                       cfg.section("gate"))
    assert rec["status"] == "rejected" and rec["reason"] == "unsafe_name"
    assert not list((root / "chips").rglob("2320061*"))
    # Tiles from the config, capture file names, index paths.
    with pytest.raises(ConfigError, match=r"aois\[0\]\.tile"):
        _ = ChipConfig.from_dict({**cfg.raw, "aois": [{"tile": "../x", "epsg": 32631, "bbox": [0, 0, 1, 1]}]},
                                 tmp_path).aois
    with pytest.raises(layout.UnsafeName):
        layout.capture_path(root, "31UFU/../../x", dt.datetime(2026, 4, 10, tzinfo=dt.UTC))
    row = next(idx.to_geoframe(records, DAY).assign(path="../../../outside.tif").itertuples())
    with pytest.raises(layout.UnsafeName):
        chip_item(row, root)


def test_plan_files_stay_in_their_zone(tmp_path: Path):
    from ocean_assets.defs.ship_chips.per_day import plan_file

    config_dir, root = tmp_path / "config", tmp_path / "data" / "ship_chips"
    (config_dir).mkdir()
    (root / "plan").mkdir(parents=True)
    (config_dir / "plan.kml").write_text("<kml/>")
    assert plan_file("plan.kml", "esa_plan", config_dir, root) == config_dir / "plan.kml"
    outside = tmp_path / "elsewhere.kml"
    outside.write_text("<kml/>")
    os.symlink(outside, config_dir / "link.kml")
    for bad in ("../elsewhere.kml", "link.kml", str(outside), "plan.kml; rm -rf", "../../etc/passwd"):
        with pytest.raises(PlanError, match="satellite_tracking.esa_plan"):
            plan_file(bad, "esa_plan", config_dir, root)


def test_every_ship_chips_asset_has_kinds():
    from ocean_assets.location import load_definitions

    specs = [spec for a in load_definitions().assets if hasattr(a, "specs") for spec in a.specs
             if spec.group_name == "ship_chips"]
    kinds = {spec.key.to_user_string(): spec.kinds for spec in specs}
    assert len(kinds) == 8 and all(kinds.values()), kinds
    assert kinds["ship_chips"] >= {"cog"} and kinds["stac_catalog"] >= {"stac"} and kinds["qa_report"] == {"html"}
    assert kinds["chip_index"] == {"parquet", "geojson"}
