"""The CONUS404 model grid: WRF's Lambert conformal projection, and grid -> earth wind rotation.

CONUS404's U10/V10 are grid-relative ("U-component wind with respect to model grid at 10 meters",
the store's long_name). The Planetary Computer store carries neither WRF's COSALPHA/SINALPHA nor
the projection's global attributes (see ocean_assets_tests/contracts/conus404/), so the rotation
is computed from the projection, as WRF's own post-processing does:

- WRF (forum.mmm.ucar.edu/threads/converting-model-grid-relative-wind-to-earth-relative-wind.179):
  u_earth = u * COSALPHA - v * SINALPHA;  v_earth = v * COSALPHA + u * SINALPHA.
- Lambert conformal (NCAR/wrf-python, src/wrf/g_uvmet.py and fortran/wrf_user.f90 DCOMPUTEUVMET):
  cone = [ln cos(t1) - ln cos(t2)] / [ln tan(45 - |t1|/2) - ln tan(45 - |t2|/2)] (t1 != t2, else
  sin|t1|); a = (lon - STAND_LON, wrapped to +-180) * cone * sign(lat);
  u_earth = u cos a + v sin a;  v_earth = v cos a - u sin a, i.e. COSALPHA = cos a, SINALPHA = -sin a.

The projection's parameters are the raw WRF output's global attributes (TRUELAT1/2, STAND_LON,
CEN_LAT/LON, DX/DY, MAP_PROJ=1) on WRF's sphere of radius 6 370 km; ``grid_latlon`` (Snyder,
"Map Projections - A Working Manual", USGS PP 1395, spherical Lambert conformal, pp. 104-107)
rebuilds the store's 2-D lat/lon from them, which the contract tests compare with the published
extents of the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

WRF_EARTH_RADIUS_M = 6_370_000.0
LAMBERT = 1  # WRF MAP_PROJ code of the Lambert conformal projection
_ATTRS = {"truelat1": "TRUELAT1", "truelat2": "TRUELAT2", "stand_lon": "STAND_LON",
          "cen_lat": "CEN_LAT", "cen_lon": "CEN_LON", "dx": "DX", "dy": "DY"}


@dataclass(frozen=True)
class LambertConformal:
    """WRF's Lambert conformal projection (degrees, metres)."""

    truelat1: float
    truelat2: float
    stand_lon: float
    cen_lat: float
    cen_lon: float
    dx: float
    dy: float
    earth_radius: float = WRF_EARTH_RADIUS_M

    @classmethod
    def from_wrf_attrs(cls, attrs: Mapping[str, Any]) -> LambertConformal | None:
        """From a WRF file's (or store's) global attributes; None when they are not all there or
        the projection is not Lambert conformal."""
        if "MAP_PROJ" in attrs and int(attrs["MAP_PROJ"]) != LAMBERT:
            return None
        values = {key: attrs.get(name) for key, name in _ATTRS.items()}
        if values["stand_lon"] is None:  # wrf-python falls back to CEN_LON likewise
            values["stand_lon"] = values["cen_lon"]
        present = {k: float(v) for k, v in values.items() if v is not None}
        if len(present) < len(values):
            return None
        return cls(**present)

    @property
    def cone(self) -> float:
        """WRF's cone factor (wrf-python g_uvmet.py)."""
        t1, t2 = math.radians(self.truelat1), math.radians(self.truelat2)
        if abs(self.truelat1 - self.truelat2) > 0.1 and abs(self.truelat2 - 90.0) > 0.1:
            return ((math.log(math.cos(t1)) - math.log(math.cos(t2)))
                    / (math.log(math.tan(math.radians(45.0 - abs(self.truelat1) / 2.0)))
                       - math.log(math.tan(math.radians(45.0 - abs(self.truelat2) / 2.0)))))
        return math.sin(abs(t1))

    def rotation(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(COSALPHA, SINALPHA) in WRF's convention at each (lat, lon)."""
        dlon = (np.asarray(lon, np.float64) - self.stand_lon + 180.0) % 360.0 - 180.0
        alpha = np.radians(dlon * self.cone) * np.where(np.asarray(lat) < 0, -1.0, 1.0)
        return np.cos(alpha), -np.sin(alpha)

    def cf_grid_mapping(self) -> dict[str, Any]:
        """CF-1.8 grid mapping attributes (Appendix F, lambert_conformal_conic)."""
        return {
            "grid_mapping_name": "lambert_conformal_conic",
            "standard_parallel": np.array([self.truelat1, self.truelat2]),
            "longitude_of_central_meridian": self.stand_lon,
            "latitude_of_projection_origin": self.cen_lat,
            "false_easting": 0.0,
            "false_northing": 0.0,
            "earth_radius": self.earth_radius,
        }

    # Snyder's spherical Lambert conformal conic, with the projection origin at (cen_lat, stand_lon)
    def _constants(self) -> tuple[float, float, float]:
        t1, t2 = math.radians(self.truelat1), math.radians(self.truelat2)
        if abs(self.truelat1 - self.truelat2) > 1e-9:
            n = (math.log(math.cos(t1) / math.cos(t2))
                 / math.log(math.tan(math.pi / 4 + t2 / 2) / math.tan(math.pi / 4 + t1 / 2)))
        else:
            n = math.sin(t1)
        f = math.cos(t1) * math.tan(math.pi / 4 + t1 / 2) ** n / n
        rho0 = self.earth_radius * f / math.tan(math.pi / 4 + math.radians(self.cen_lat) / 2) ** n
        return n, f, rho0

    def forward(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, f, rho0 = self._constants()
        rho = self.earth_radius * f / np.tan(np.pi / 4 + np.radians(lat) / 2) ** n
        theta = n * np.radians((np.asarray(lon, np.float64) - self.stand_lon + 180.0) % 360.0 - 180.0)
        return rho * np.sin(theta), rho0 - rho * np.cos(theta)

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, f, rho0 = self._constants()
        rho = math.copysign(1.0, n) * np.hypot(x, rho0 - y)
        theta = np.arctan2(x, rho0 - y)
        lat = np.degrees(2 * np.arctan((self.earth_radius * f / rho) ** (1 / n))) - 90.0
        return lat, self.stand_lon + np.degrees(theta / n)

    def grid_latlon(self, ny: int, nx: int, extent: tuple[int, int] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """2-D lat/lon of mass points of an ny x nx grid centred on (cen_lat, cen_lon).

        ``extent`` (ny_full, nx_full): spread the ny x nx points over the domain of that full grid
        (a coarser demo grid covering the same area); default: spacing dx, dy."""
        full_ny, full_nx = extent or (ny, nx)
        sx = self.dx * (full_nx - 1) / max(nx - 1, 1)
        sy = self.dy * (full_ny - 1) / max(ny - 1, 1)
        cx, cy = self.forward(np.asarray(self.cen_lat, np.float64), np.asarray(self.cen_lon, np.float64))
        x = cx + (np.arange(nx) - (nx - 1) / 2.0) * sx
        y = cy + (np.arange(ny) - (ny - 1) / 2.0) * sy
        return self.inverse(*np.meshgrid(x, y))


def projected_axes(projection: LambertConformal, lat: np.ndarray, lon: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, float]:
    """1-D projection x (per column) and y (per row) of a 2-D lat/lon grid, and how far (degrees)
    the grid they describe lies from the given lat/lon: a small error means the projection is the
    grid's own; a large one, that it is not (then neither rotation nor grid mapping apply)."""
    lat64, lon64 = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    x2, y2 = projection.forward(lat64, lon64)
    x, y = x2.mean(axis=0), y2.mean(axis=1)
    back_lat, back_lon = projection.inverse(*np.meshgrid(x, y))
    dlon = (back_lon - lon64 + 180.0) % 360.0 - 180.0
    error = float(max(np.nanmax(np.abs(back_lat - lat64)), np.nanmax(np.abs(dlon))))
    return x, y, error


def rotate_to_earth(u: np.ndarray, v: np.ndarray, cosalpha: np.ndarray, sinalpha: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Grid-relative (u, v) -> earth-relative (eastward, northward), WRF's equations."""
    return u * cosalpha - v * sinalpha, v * cosalpha + u * sinalpha
