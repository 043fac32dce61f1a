"""The deterministic demo world shared by the AIS and scene twins, seeded from date and tile.

A 10 m UTM scene centred on the AOI: land on the west edge, a cloud bank in the north-east,
open water elsewhere. Vessels sit in water (kept), under the cloud (rejected: cloud) and
moored along the coast (rejected: land), so a demo day exercises every gate outcome.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np

from ocean_assets.core.ship_chips.geo import to_crs, to_lonlat
from ocean_assets.core.ship_chips.settings import Aoi

RES_M = 10.0
# Static data the demo vessels broadcast (ShipStaticData): cargo ships in open water, fishing
# vessels under the cloud, and moored craft that send "not available" (type 0, dimensions 0).
DEMO_STATIC: dict[str, dict] = {
    "water": {"ship_type": 70, "dimension": (96, 24, 10, 10)},
    "cloud": {"ship_type": 30, "dimension": (18, 7, 3, 4)},
    "coast": {"ship_type": 0, "dimension": (0, 0, 0, 0)},
}
LAND_EDGE = 0.15  # fraction of the width that is land (west)
CLOUD = (0.75, 0.25, 0.13)  # centre col, row, radius as fractions of the size


@dataclass(frozen=True)
class Vessel:
    mmsi: int
    name: str
    col: float  # pixel position at the scene time
    row: float
    sog_kn: float
    cog_deg: float
    kind: str  # water | cloud | coast
    ship_type: int = 0  # AIS "type of ship and cargo" (ITU-R M.1371); 0 = not available
    dimension: tuple[int, int, int, int] = (0, 0, 0, 0)  # AIS A, B, C, D (m); 0 = not available


@dataclass(frozen=True)
class Scenario:
    tile: str
    epsg: int
    size: int
    left: float
    top: float
    sensing: dt.datetime
    platform: str
    vessels: tuple[Vessel, ...]

    @property
    def crs(self) -> str:
        return f"EPSG:{self.epsg}"

    def lonlat(self, col: float, row: float) -> tuple[float, float]:
        return to_lonlat(self.left + col * RES_M, self.top - row * RES_M, self.crs)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.left, self.top - self.size * RES_M, self.left + self.size * RES_M, self.top)


def rng_for(day: dt.date, tile: str) -> np.random.Generator:
    return np.random.default_rng(int(day.strftime("%Y%m%d")) * 7919 + zlib.crc32(tile.encode()))


def scenario(aoi: Aoi, day: dt.date, size: int = 1024, vessels: int = 9) -> Scenario:
    rng = rng_for(day, aoi.tile)
    cx, cy = to_crs((aoi.bbox[0] + aoi.bbox[2]) / 2, (aoi.bbox[1] + aoi.bbox[3]) / 2, f"EPSG:{aoi.epsg}")
    half = size * RES_M / 2
    left, top = round(cx - half, -1), round(cy + half, -1)
    sensing = dt.datetime.combine(day, dt.time(10, 30), dt.UTC) + dt.timedelta(seconds=int(rng.integers(0, 900)))
    fleet = []
    for i in range(vessels):
        kind = ("water", "cloud", "coast")[i % 3]
        if kind == "water":
            col, row = rng.uniform(0.3, 0.55) * size, rng.uniform(0.45, 0.85) * size
        elif kind == "cloud":
            ang, r = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.4) * CLOUD[2] * size
            col, row = CLOUD[0] * size + r * np.cos(ang), CLOUD[1] * size + r * np.sin(ang)
        else:
            col, row = (LAND_EDGE - 0.03) * size, rng.uniform(0.2, 0.8) * size
        fleet.append(Vessel(mmsi=int(244_000_000 + rng.integers(0, 999_999)), name=f"DEMO {i:02d}",
                            col=float(col), row=float(row),
                            sog_kn=0.0 if kind == "coast" else float(rng.uniform(2, 12)),
                            cog_deg=float(rng.uniform(0, 360)), kind=kind, **DEMO_STATIC[kind]))
    return Scenario(aoi.tile, aoi.epsg, size, left, top, sensing, ("sentinel-2a", "sentinel-2b")[day.toordinal() % 2],
                    tuple(fleet))
