"""The live Earth Search client and the reflectance harmonisation, on real sentinel-2-l2a items
(processing baselines before and from 04.00) replayed by a loopback STAC API."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from ocean_assets.core.ship_chips import chipping
from ocean_assets.core.ship_chips.reflectance import boa_add_offset, to_reflectance
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.ship_chips.scenes import LiveScenes

from .contracts import APPLIED, FLAG_FALSE, POST_04, PRE_04, earth_search_api, earth_search_item

BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
ALL = [PRE_04, *POST_04]


def test_live_search_pages_through_real_items_via_the_real_next_link():
    items = [earth_search_item(i) for i in ALL]
    with earth_search_api(items[:2], items[2:]) as (base, seen):
        aoi = Aoi("33TWN", 32633, (14.9, 47.2, 16.3, 48.2))
        found = LiveScenes(base, backoff_seconds=0.01).search(
            aoi, dt.datetime(2022, 1, 1, tzinfo=dt.UTC), dt.datetime(2022, 12, 31, tzinfo=dt.UTC), 100)
    assert [f["id"] for f in found] == ALL
    # The second page was asked for with the server's own continuation token, by GET as the link says.
    pages = [s for s in seen if s != "GET /"]
    assert pages[0] == "POST /search" and pages[1].startswith("GET /collections/sentinel-2-l1c/items?")
    assert "next=2024-02-06T13%3A14%3A11.918000Z%2CS2B_27VWK_20240206_0_L1C%2Csentinel-2-l1c" in pages[1]
    assert len(pages) == 2
    for item, raw in zip(found, items, strict=True):  # what the pipeline reads survives pystac-client
        assert chipping.scene_problem(item, BANDS) is None
        props = item["properties"]
        assert props["grid:code"] == raw["properties"]["grid:code"]
        # pystac migrates projection v1.0.0 (proj:epsg) to v2.0.0 (proj:code): nothing may rely on proj:epsg
        assert props["proj:code"] == f"EPSG:{raw['properties']['proj:epsg']}"
        assert boa_add_offset(item) == boa_add_offset(raw)
        band = item["assets"]["red"]["raster:bands"][0]
        assert band["scale"] == 0.0001 and band["nodata"] == 0 and band["data_type"] == "uint16"


# What each real item's DNs still need: Earth Search removed ESA's -1000 where its flag is true.
EXPECTED = {PRE_04: 0, APPLIED[0]: 0, APPLIED[1]: 0, FLAG_FALSE: -1000}


@pytest.mark.parametrize("item_id", ALL)
def test_boa_offset_honours_earth_search_flag_then_the_processing_baseline(item_id: str):
    item = earth_search_item(item_id)
    assert boa_add_offset(item) == EXPECTED[item_id]
    # raster:bands is not read: Earth Search still publishes -0.1 on items whose offset it applied
    for edit in (_drop_raster_bands, _copy_other_raster_bands):
        assert boa_add_offset(edit(item)) == EXPECTED[item_id]


@pytest.mark.parametrize("item_id", APPLIED)
def test_items_with_the_offset_applied_are_not_offset_twice(item_id: str):
    """Real 04.00 and 05.09 items flagged earthsearch:boa_offset_applied true: offset 0, though
    their raster:bands say -0.1; with the flag false or absent the baseline decides (-1000)."""
    item = earth_search_item(item_id)
    props = item["properties"]
    assert props["earthsearch:boa_offset_applied"] is True and props["s2:processing_baseline"] >= "04.00"
    assert item["assets"]["red"]["raster:bands"][0]["offset"] == -0.1
    assert boa_add_offset(item) == 0
    assert boa_add_offset(_flip_flag(item)) == -1000
    without = copy.deepcopy(item)
    del without["properties"]["earthsearch:boa_offset_applied"]
    assert boa_add_offset(without) == -1000
    v0 = copy.deepcopy(without)  # Earth Search v0 spelled the flag sentinel:boa_offset_applied
    v0["properties"]["sentinel:boa_offset_applied"] = True
    assert boa_add_offset(v0) == 0


def test_a_flag_false_item_of_baseline_04_is_offset_by_its_baseline():
    item = earth_search_item(FLAG_FALSE)
    assert item["properties"]["s2:processing_baseline"] == "04.00"
    assert item["properties"]["earthsearch:boa_offset_applied"] is False
    assert boa_add_offset(item) == -1000


def _flip_flag(item: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(item)
    out["properties"]["earthsearch:boa_offset_applied"] = not out["properties"]["earthsearch:boa_offset_applied"]
    return out


def _drop_raster_bands(item: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(item)
    for asset in out["assets"].values():
        asset.pop("raster:bands", None)
    return out


def _copy_other_raster_bands(item: dict[str, Any]) -> dict[str, Any]:
    """raster:bands of an item of the other convention (copied metadata)."""
    other = earth_search_item(POST_04[0] if item["id"] == PRE_04 else PRE_04)
    out = copy.deepcopy(item)
    for name, asset in out["assets"].items():
        if "raster:bands" in asset and name in other["assets"]:
            asset["raster:bands"] = copy.deepcopy(other["assets"][name]["raster:bands"])
    return out


WATER = {"green": 0.05, "nir": 0.01}  # surface reflectance of open water


def _scene_on_disk(item: dict[str, Any], folder: Path) -> tuple[dict[str, Any], tuple[float, ...]]:
    """The real item with its green, nir and scl assets pointing at small local COGs on the item's
    own grid (proj:epsg, proj:transform origin), holding water as Earth Search serves it:
    DN = reflectance * 10000 - BOA_ADD_OFFSET for baseline 04.00+ items whose flag says the offset
    is not applied, DN = reflectance * 10000 where it is applied (flag true) or before 04.00."""
    epsg = item["properties"]["proj:epsg"]
    _, _, x0, _, _, y0 = item["assets"]["red"]["proj:transform"]
    dn_offset = -EXPECTED[item["id"]]
    out = copy.deepcopy(item)
    for name, res, size in (("green", 10, 64), ("nir", 10, 64), ("scl", 20, 32)):
        data = (np.full((size, size), 6, "uint8") if name == "scl"
                else np.full((size, size), round(WATER[name] * 10000) + dn_offset, "uint16"))
        path = folder / f"{item['id']}_{name}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype=data.dtype.name,
                           crs=f"EPSG:{epsg}", transform=from_origin(x0, y0, res, res), nodata=0) as dst:
            dst.write(data, 1)
        out["assets"][name]["href"] = str(path)
    return out, (x0, y0 - 640, x0 + 640, y0)


@pytest.mark.parametrize("edit", [lambda i: i, _drop_raster_bands, _copy_other_raster_bands],
                         ids=["as_published", "no_raster_bands", "other_raster_bands"])
def test_gate_sees_the_same_water_in_every_baseline(edit, tmp_path: Path):
    """Water has NDWI (0.05 - 0.01) / (0.05 + 0.01) = 0.667 and NIR reflectance 0.01 whatever the
    baseline: the DNs are harmonised once (Earth Search's flag, else the processing baseline),
    whatever raster:bands says."""
    cfg = {"center_px": 16, "max_cloud_fraction": 0.3, "max_land_fraction": 0.5, "min_ndwi": 0.0}
    for item_id in ALL:
        scene, bounds = _scene_on_disk(edit(earth_search_item(item_id)), tmp_path)
        result = chipping.gate(scene, bounds, 64, cfg)
        assert result.ndwi == pytest.approx(2 / 3, abs=1e-3), item_id
        assert result.keep
        nir = chipping.read_window(scene["assets"]["nir"]["href"], bounds, 64)
        assert float(np.nanmean(to_reflectance(nir, boa_add_offset(scene)))) == pytest.approx(0.01, abs=1e-4)


def test_reflectance_uses_esa_definition():
    dn = np.array([0, 1000, 1500, 11000], dtype="uint16")
    assert np.isnan(to_reflectance(dn, -1000)[0])
    np.testing.assert_allclose(to_reflectance(dn, -1000)[1:], [0.0, 0.05, 1.0], atol=1e-6)
    np.testing.assert_allclose(to_reflectance(dn, 0)[1:], [0.1, 0.15, 1.1], atol=1e-6)
