"""NOAA Coral Reef Watch daily 5 km (ERDDAP dataset dhw_5km; latitude descending, 12:00Z stamps):
the live griddap client (shared with the ocean domain) and a demo twin with the same names, units
and alert coding (ocean_assets_tests/contracts/erddap_crw/ holds the real metadata)."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from typing import Protocol

import numpy as np
import xarray as xr

from ocean_assets.core.reef_health import alerts
from ocean_assets.core.retry import Backoff
from ocean_assets.sources.ocean.erddap import NO_MATCH, griddap_url
from ocean_assets.sources.ocean.http import download

# Variable attributes as dhw_5km on ERDDAP serves them (units "Celsius", "Celsius weeks", "1").
ATTRS: dict[str, dict[str, str]] = {
    "CRW_SST": {"long_name": "sea surface temperature", "units": "Celsius"},
    "CRW_SSTANOMALY": {"long_name": "sea surface temperature anomaly", "units": "Celsius"},
    "CRW_HOTSPOT": {"long_name": "coral bleaching hotspot", "units": "Celsius"},
    "CRW_DHW": {"long_name": "degree heating week", "units": "Celsius weeks"},
    "CRW_BAA": {"long_name": "bleaching alert area", "units": "1"},
    "CRW_BAA_7D_MAX": {"long_name": "bleaching alert area 7-day maximum composite", "units": "1"},
}
UNITS = {name: attrs["units"] for name, attrs in ATTRS.items()}


class CrwSource(Protocol):
    def fetch(self, day: dt.date, bbox: tuple[float, float, float, float], workdir: Path) -> xr.Dataset: ...


class ErddapCrwSource:
    def __init__(self, server: str, dataset_id: str, variables: list[str], latitude_descending: bool = True,
                 backoff: Backoff | None = None, timeout: float = 120.0) -> None:
        self.server, self.dataset_id, self.variables = server, dataset_id, variables
        self.latitude_descending, self.backoff = latitude_descending, backoff or Backoff()
        self.timeout = timeout

    def fetch(self, day: dt.date, bbox: tuple[float, float, float, float], workdir: Path) -> xr.Dataset:
        x0, y0, x1, y1 = bbox
        url = griddap_url(self.server, self.dataset_id, self.variables, day, (y0, y1), (x0, x1),
                          self.latitude_descending)
        path = download(url, Path(workdir) / f"crw_{day:%Y%m%d}.nc", backoff=self.backoff,
                        timeout=self.timeout, not_found_message=NO_MATCH)
        with xr.open_dataset(path) as ds:
            return ds.load()


class DemoCrwSource:
    """Deterministic SST fields (a function of the date alone), from which HotSpot, DHW and the
    alert levels are derived exactly as CRW derives them (core.reef_health.alerts): HotSpot = SST -
    MMM, DHW = 12-week accumulation of HotSpots >= 1, BAA from both, the 7-day BAA as a maximum."""

    def __init__(self, resolution: float = 0.05) -> None:
        self.resolution = resolution

    def _grid(self, bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        x0, y0, x1, y1 = bbox
        r = self.resolution
        lat = np.round(np.arange(y1 - r / 2, y0, -r), 4)  # north -> south, as dhw_5km
        lon = np.round(np.arange(x0 + r / 2, x1, r), 4)
        return lat, lon

    @staticmethod
    def _season(day: dt.date) -> float:
        return float(np.cos(2 * np.pi * (day.timetuple().tm_yday - 45) / 365.25))  # austral summer peak

    def _anomalies(self, days: list[dt.date], la: np.ndarray, lo: np.ndarray) -> np.ndarray:
        """SST minus each day's climatology: a broad pattern, a summer heatwave patch, and noise
        seeded by the date alone (so every day of the archive is the same whenever it is made)."""
        pattern = (0.3 + 0.5 * np.sin(lo / 2.0) * np.cos(la / 3.0)).astype("float32")
        patch = (2.6 * np.exp(-(((lo - 147.5) / 1.6) ** 2 + ((la + 18.0) / 2.0) ** 2))).astype("float32")
        out = np.empty((len(days), *la.shape), dtype="float32")
        for i, d in enumerate(days):
            rng = np.random.default_rng(zlib.crc32(f"crw:{d}".encode()))
            out[i] = pattern + max(self._season(d), 0.0) * patch + rng.normal(0, 0.15, la.shape)
        return out

    def fetch(self, day: dt.date, bbox: tuple[float, float, float, float], workdir: Path) -> xr.Dataset:
        lat, lon = self._grid(bbox)
        la, lo = np.meshgrid(lat, lon, indexing="ij")
        base = (26.5 - 0.35 * (np.abs(la) - 10)).astype("float32")
        mmm = base + 1.6  # maximum monthly mean: the climatology at the season's peak
        window = alerts.DHW_WINDOW_DAYS
        days = [day - dt.timedelta(days=back) for back in range(window + 6 - 1, -1, -1)]  # 90 days
        seasons = np.array([self._season(d) for d in days], dtype="float32")[:, None, None]
        hotspot = base + 1.6 * seasons + self._anomalies(days, la, lo) - mmm
        # DHW of each of the last 7 days: the HotSpots >= 1 of its own 84-day window, in degC-weeks
        dhw = np.stack([alerts.degree_heating_weeks(hotspot[i - window + 1:i + 1])
                        for i in range(len(days) - 7, len(days))])
        baa = alerts.bleaching_alert_area(hotspot[-7:], dhw)
        sst = hotspot[-1] + mmm
        today = {"CRW_SST": sst, "CRW_SSTANOMALY": sst - (base + 1.6 * seasons[-1]),
                 "CRW_HOTSPOT": hotspot[-1], "CRW_DHW": dhw[-1], "CRW_BAA": baa[-1],
                 "CRW_BAA_7D_MAX": baa.max(axis=0)}
        land = (np.sin(lo * 3.1) + np.cos(la * 2.3)) > 1.75

        def grid(values: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
            return ("time", "latitude", "longitude"), np.where(land, np.nan, values)[None].astype("float32")

        ds = xr.Dataset(
            {name: grid(values) for name, values in today.items()},
            coords={"time": [np.datetime64(dt.datetime.combine(day, dt.time(12)), "ns")],
                    "latitude": ("latitude", lat, {"units": "degrees_north"}),
                    "longitude": ("longitude", lon, {"units": "degrees_east"})})
        for name, attrs in ATTRS.items():
            ds[name].attrs.update(attrs)
        return ds
