"""Small geodesy helpers (distances, lon/lat <-> projected) shared by the domain's modules."""

from __future__ import annotations

import math
from functools import lru_cache

from pyproj import Transformer

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_crs(lon: float, lat: float, crs: str) -> tuple[float, float]:
    return transformer("EPSG:4326", crs).transform(lon, lat)


def to_lonlat(x: float, y: float, crs: str) -> tuple[float, float]:
    return transformer(crs, "EPSG:4326").transform(x, y)
