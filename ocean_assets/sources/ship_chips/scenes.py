"""Sentinel-2 L2A scenes: Earth Search via pystac-client (live) and synthetic UTM COGs (demo).

Both return item dicts shaped like Earth Search's ``sentinel-2-l2a`` items; chips are cut from
the asset hrefs with windowed reads, so the same code serves HTTP COGs and local files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import rasterio
from pystac_client.exceptions import APIError
from rasterio.transform import from_origin

from ocean_assets.core.io import atomic_path, atomic_write_text
from ocean_assets.core.redact import redact
from ocean_assets.core.retry import PermanentError
from ocean_assets.core.ship_chips.reflectance import (
    BOA_ADD_OFFSET_DN,
    BOA_QUANTIFICATION_VALUE,
    OFFSET_FROM,
)
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.ship_chips.demo_scenario import (
    CLOUD,
    LAND_EDGE,
    RES_M,
    Scenario,
    scenario,
)
from ocean_assets.sources.stac import open_client

SCALE = 0.0001
BANDS_10M = ("blue", "green", "red", "nir")
BANDS_20M = ("swir16", "swir22")
# Surface reflectance per class: water, land, cloud, vessel.
REFLECTANCE = {
    "blue": (0.06, 0.05, 0.55, 0.25), "green": (0.05, 0.08, 0.55, 0.28), "red": (0.03, 0.07, 0.55, 0.30),
    "nir": (0.01, 0.30, 0.55, 0.35), "swir16": (0.005, 0.25, 0.40, 0.20), "swir22": (0.004, 0.15, 0.30, 0.15),
}


class SceneSource(Protocol):
    def search(self, aoi: Aoi, start: dt.datetime, end: dt.datetime, cloud_cover_max: float,
               ) -> list[dict[str, Any]]:
        """Items of the collection intersecting the AOI between start and end, below the cloud cover."""


class LiveScenes:
    """Earth Search (or any STAC API) through pystac-client."""

    def __init__(self, endpoint: str, collection: str = "sentinel-2-l2a", max_items: int = 50,
                 backoff_seconds: float = 0.5, timeout: float = 60.0):
        self.endpoint, self.collection, self.max_items = endpoint, collection, max_items
        self.backoff_seconds, self.timeout = backoff_seconds, timeout

    def search(self, aoi: Aoi, start: dt.datetime, end: dt.datetime, cloud_cover_max: float,
               ) -> list[dict[str, Any]]:
        try:
            client = open_client(self.endpoint, backoff_seconds=self.backoff_seconds, timeout=self.timeout)
            search = client.search(collections=[self.collection], bbox=list(aoi.bbox),
                                   datetime=[start, end], query={"eo:cloud_cover": {"lt": cloud_cover_max}},
                                   max_items=self.max_items)
            return [item.to_dict() for item in search.items()]
        except APIError as exc:  # 5xx and 429 were already retried; other 4xx will not change
            status = getattr(exc, "status_code", None)
            if status is not None and 400 <= status < 500 and status not in (408, 429):
                raise PermanentError(f"STAC API {self.endpoint} refused the search: HTTP {status}: "
                                     f"{redact(str(exc))[:200]}") from None
            raise


def _class_map(scen: Scenario, size: int) -> np.ndarray:
    """0 water, 1 land, 2 cloud on a ``size`` grid covering the scene."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    classes = np.zeros((size, size), dtype="uint8")
    classes[xx < LAND_EDGE] = 1
    classes[(xx - CLOUD[0]) ** 2 + (yy - CLOUD[1]) ** 2 < CLOUD[2] ** 2] = 2
    return classes


def demo_baseline(scen: Scenario) -> tuple[str, int]:
    """Processing baseline and ESA's BOA_ADD_OFFSET of a demo scene, as ESA processed that date:
    03.01 (no offset) before 2022-01-25, 05.10 (offset -1000 DN) after. As on Earth Search, the
    COGs of 04.00+ scenes have that offset already removed (``earthsearch:boa_offset_applied``
    true, ``raster:bands`` offset still -0.1 as Earth Search publishes it): DN = reflectance * 10000."""
    return ("05.10", BOA_ADD_OFFSET_DN) if scen.sensing >= OFFSET_FROM else ("03.01", 0)


def _band(scen: Scenario, band: str, size: int, rng: np.random.Generator) -> np.ndarray:
    classes = _class_map(scen, size)
    table = np.array(REFLECTANCE[band][:3], dtype="float32")
    refl = table[classes] + rng.normal(0, 0.004, (size, size)).astype("float32")
    factor = size / scen.size
    for v in scen.vessels:  # ~30 m bright hull at the sensing-time position (unless under cloud)
        r, c = int(v.row * factor), int(v.col * factor)
        hull = max(1, int(round(3 * factor)))
        patch = refl[max(r - hull // 2, 0): r + hull // 2 + 1, max(c - hull // 2, 0): c + hull // 2 + 1]
        patch[:] = np.maximum(patch, REFLECTANCE[band][3])
    # Earth Search serves 04.00+ DNs with the offset already applied: no +1000 in any demo scene
    return np.clip(np.round(refl * BOA_QUANTIFICATION_VALUE), 1, 65535).astype("uint16")


def _scl(scen: Scenario, size: int) -> np.ndarray:
    classes = _class_map(scen, size)
    return np.array([6, 4, 9], dtype="uint8")[classes]


def _write_cog(path: Path, data: np.ndarray, scen: Scenario, res: float, nodata: int) -> None:
    profile = {"driver": "COG", "width": data.shape[1], "height": data.shape[0], "count": 1,
               "dtype": data.dtype.name, "crs": scen.crs, "transform": from_origin(scen.left, scen.top, res, res),
               "nodata": nodata, "compress": "deflate", "blocksize": 256}
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)


def item_for(scen: Scenario, assets: dict[str, dict[str, Any]], self_href: str) -> dict[str, Any]:
    """An Earth Search-shaped item for the demo scene."""
    w, s, e, n = scen.bounds
    corners = [scen.lonlat(c, r) for c, r in ((0, scen.size), (scen.size, scen.size), (scen.size, 0), (0, 0))]
    lons, lats = [c[0] for c in corners], [c[1] for c in corners]
    day = scen.sensing.strftime("%Y%m%d")
    cloud = float((_class_map(scen, 64) == 2).mean() * 100)
    baseline, add_offset = demo_baseline(scen)
    return {
        "type": "Feature", "stac_version": "1.0.0", "id": f"S{scen.platform[-2:].upper()}_{scen.tile}_{day}_0_L2A",
        "collection": "sentinel-2-l2a", "bbox": [min(lons), min(lats), max(lons), max(lats)],
        "geometry": {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]},
        "properties": {
            "datetime": scen.sensing.isoformat().replace("+00:00", "Z"), "platform": scen.platform,
            "constellation": "sentinel-2", "instruments": ["msi"], "eo:cloud_cover": round(cloud, 2),
            "proj:epsg": scen.epsg, "grid:code": f"MGRS-{scen.tile}", "mgrs:utm_zone": int(scen.tile[:2]),
            "mgrs:latitude_band": scen.tile[2], "mgrs:grid_square": scen.tile[3:],
            # Earth Search: true where it removed ESA's offset from the COGs (04.00+), false before
            "s2:processing_baseline": baseline, "earthsearch:boa_offset_applied": add_offset != 0,
        },
        "links": [{"rel": "self", "href": self_href, "type": "application/geo+json"}],
        "assets": assets,
        "stac_extensions": [],
    }


class DemoScenes:
    """Small synthetic scenes written as COGs under ``scene_dir``; deterministic per date and tile."""

    def __init__(self, scene_dir: Path, size_px: int = 1024, vessels: int = 9):
        self.scene_dir, self.size_px, self.vessels = scene_dir, size_px, vessels

    def search(self, aoi: Aoi, start: dt.datetime, end: dt.datetime, cloud_cover_max: float,
               ) -> list[dict[str, Any]]:
        items = []
        day = start.date()
        while day <= end.date():
            scen = scenario(aoi, day, self.size_px, self.vessels)
            if start <= scen.sensing <= end:
                item = self.materialize(scen)
                if item["properties"]["eo:cloud_cover"] < cloud_cover_max:
                    items.append(item)
            day += dt.timedelta(days=1)
        return items

    def materialize(self, scen: Scenario) -> dict[str, Any]:
        folder = self.scene_dir / scen.tile / scen.sensing.strftime("%Y%m%d")
        item_path = folder / "item.json"
        if item_path.exists():
            return json.loads(item_path.read_text())
        rng = np.random.default_rng(int(scen.sensing.timestamp()))
        assets: dict[str, dict[str, Any]] = {}
        offset = demo_baseline(scen)[1] / BOA_QUANTIFICATION_VALUE  # raster:bands as Earth Search writes it
        for band, res in [*((b, RES_M) for b in BANDS_10M), *((b, 2 * RES_M) for b in BANDS_20M)]:
            size = int(scen.size * RES_M / res)
            path = folder / f"{band}.tif"
            _write_cog(path, _band(scen, band, size, rng), scen, res, 0)
            assets[band] = {"href": str(path), "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                            "roles": ["data", "reflectance"], "proj:shape": [size, size],
                            "raster:bands": [{"nodata": 0, "data_type": "uint16", "bits_per_sample": 15,
                                              "spatial_resolution": res, "scale": SCALE, "offset": offset}]}
        size20 = scen.size // 2
        _write_cog(folder / "scl.tif", _scl(scen, size20), scen, 2 * RES_M, 0)
        assets["scl"] = {"href": str(folder / "scl.tif"), "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                         "roles": ["data"], "proj:shape": [size20, size20],
                         "raster:bands": [{"nodata": 0, "data_type": "uint8", "spatial_resolution": 2 * RES_M}]}
        item = item_for(scen, assets, str(item_path))
        atomic_write_text(item_path, json.dumps(item, indent=1))
        return item
