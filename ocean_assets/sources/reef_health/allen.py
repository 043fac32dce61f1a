"""Allen Coral Atlas reef polygons: the GeoServer WFS (live, bbox tiles, no paging) and a demo twin."""

from __future__ import annotations

import hashlib
import math
import random
from typing import Protocol

import geopandas as gpd
import numpy as np
import requests
import shapely
from shapely.geometry import MultiPolygon, Polygon

from ocean_assets.core.retry import Backoff, PermanentError, call_with_retry

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


class ReefPolygonSource(Protocol):
    def fetch(self, bbox: BBox) -> gpd.GeoDataFrame:
        """Polygons with columns class_name, area_sqkm, geometry (EPSG:4326)."""
        ...


def tiles(bbox: BBox, step: float) -> list[BBox]:
    """Split ``bbox`` into step-degree tiles (the WFS has no primary key, hence no paging)."""
    x0, y0, x1, y1 = bbox
    xs = np.append(np.arange(x0, x1, step), x1)
    ys = np.append(np.arange(y0, y1, step), y1)
    return [(float(a), float(c), float(b), float(d)) for a, b in zip(xs, xs[1:], strict=False)
            for c, d in zip(ys, ys[1:], strict=False) if b > a and d > c]


def reef_ids(frame: gpd.GeoDataFrame) -> list[str]:
    """Stable ids from the geometry (the atlas has no primary key)."""
    return [f"reef-{hashlib.sha1(shapely.to_wkb(g, output_dimension=2)).hexdigest()[:12]}" for g in frame.geometry]


def finalize(frame: gpd.GeoDataFrame, classes: list[str] | None) -> gpd.GeoDataFrame:
    if classes:
        frame = frame[frame["class_name"].isin(classes)]
    frame = frame[~frame.geometry.is_empty & frame.geometry.notna()].copy()
    frame["reef_id"] = reef_ids(frame)
    frame = frame.drop_duplicates("reef_id")  # features straddling two tiles come back twice
    return frame.reset_index(drop=True)[["reef_id", "class_name", "area_sqkm", "geometry"]]


class AllenWfsSource:
    def __init__(self, url: str, type_name: str, tile_degrees: float = 2.0, classes: list[str] | None = None,
                 backoff: Backoff | None = None, session: requests.Session | None = None,
                 timeout: float = 120.0) -> None:
        self.url, self.type_name, self.tile_degrees, self.classes = url, type_name, tile_degrees, classes
        self.timeout = timeout
        self.backoff = backoff or Backoff()
        self.session = session or requests.Session()

    def _tile(self, bbox: BBox) -> list[dict]:
        params = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": self.type_name,
                  "outputFormat": "application/json",
                  "bbox": f"{bbox[1]},{bbox[0]},{bbox[3]},{bbox[2]},urn:ogc:def:crs:EPSG::4326"}

        def attempt() -> list[dict]:
            try:
                response = self.session.get(self.url, params=params, timeout=self.timeout)
            except requests.RequestException as exc:  # connect, timeout, a body reset or cut short
                raise ConnectionError(f"WFS unreachable: {type(exc).__name__}") from None
            if response.status_code in (429, 500, 502, 503, 504):
                raise ConnectionError(f"WFS answered HTTP {response.status_code}")
            if response.status_code >= 400:
                raise PermanentError(f"WFS refused the request: HTTP {response.status_code}")
            try:
                return response.json().get("features", [])
            except ValueError:
                raise ConnectionError("WFS answered with a body that is not GeoJSON") from None

        return call_with_retry(attempt, self.backoff, retry_on=(ConnectionError,))

    def fetch(self, bbox: BBox) -> gpd.GeoDataFrame:
        features = [f for t in tiles(bbox, self.tile_degrees) for f in self._tile(t)]
        located = [f for f in features if f.get("geometry")]
        if features and not located:  # e.g. a propertyName that left out `geom`: never "no reefs"
            raise PermanentError(f"WFS answered {len(features)} feature(s) of {self.type_name} without any "
                                 "geometry (class_name/area_sqkm only): the reefs cannot be located")
        if not located:
            return gpd.GeoDataFrame({"reef_id": [], "class_name": [], "area_sqkm": []}, geometry=[], crs="EPSG:4326")
        frame = gpd.GeoDataFrame.from_features(located, crs="EPSG:4326")
        return finalize(frame, self.classes)


class DemoAllenSource:
    """Deterministic reef-like polygons inside the bbox, with the atlas's attribute names, class
    names and geometry type (its `geom` is a gml:MultiSurface: GeoJSON MultiPolygon)."""

    CLASSES = ["Coral/Algae", "Coral/Algae", "Coral/Algae", "Sand", "Rubble", "Seagrass", "Rock", "Microalgal Mats"]

    def __init__(self, count: int = 120, classes: list[str] | None = None) -> None:
        self.count, self.classes = count, classes

    def fetch(self, bbox: BBox) -> gpd.GeoDataFrame:
        rng = random.Random(1984)
        x0, y0, x1, y1 = bbox
        polys, names = [], []
        for _ in range(self.count):
            cx, cy = rng.uniform(x0 + 0.3, x1 - 0.3), rng.uniform(y0 + 0.3, y1 - 0.3)
            radius = rng.uniform(0.02, 0.12)
            pts = [(cx + radius * rng.uniform(0.6, 1.0) * math.cos(a), cy + radius * rng.uniform(0.6, 1.0) * math.sin(a))
                   for a in np.linspace(0, 2 * math.pi, 9)[:-1]]
            polys.append(MultiPolygon([Polygon(pts)]))
            names.append(rng.choice(self.CLASSES))
        frame = gpd.GeoDataFrame({"class_name": names}, geometry=polys, crs="EPSG:4326")
        frame["area_sqkm"] = frame.to_crs(frame.estimate_utm_crs()).area / 1e6
        return finalize(frame, self.classes)
