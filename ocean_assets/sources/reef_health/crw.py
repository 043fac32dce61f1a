"""NOAA Coral Reef Watch daily 5 km (ERDDAP dataset dhw_5km; latitude descending, 12:00Z stamps):
the live griddap client (shared with the ocean domain) and a demo twin with the same names/units."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from typing import Protocol

import numpy as np
import xarray as xr

from ocean_assets.core.retry import Backoff
from ocean_assets.sources.ocean.erddap import NO_MATCH, griddap_url
from ocean_assets.sources.ocean.http import download

UNITS = {"CRW_SST": "degree_C", "CRW_SSTANOMALY": "degree_C", "CRW_DHW": "degree_C_weeks", "CRW_BAA": "1"}


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
    def __init__(self, resolution: float = 0.05) -> None:
        self.resolution = resolution

    def fetch(self, day: dt.date, bbox: tuple[float, float, float, float], workdir: Path) -> xr.Dataset:
        x0, y0, x1, y1 = bbox
        r = self.resolution
        lat = np.round(np.arange(y1 - r / 2, y0, -r), 4)  # north -> south, as dhw_5km
        lon = np.round(np.arange(x0 + r / 2, x1, r), 4)
        rng = np.random.default_rng(zlib.crc32(f"crw:{day}".encode()))
        la, lo = np.meshgrid(lat, lon, indexing="ij")
        season = np.cos(2 * np.pi * (day.timetuple().tm_yday - 45) / 365.25)  # austral summer peak
        climatology = 26.5 - 0.35 * (np.abs(la) - 10) + 1.6 * season
        anomaly = 0.6 + 0.9 * np.sin(lo / 2.0) * np.cos(la / 3.0) + rng.normal(0, 0.15, la.shape)
        sst = climatology + anomaly
        dhw = np.clip(anomaly - 0.5, 0, None) * (4.0 + 2.0 * season)
        baa = np.select([dhw >= 8, dhw >= 4, anomaly >= 1, anomaly > 0], [3, 2, 1, 0], 0).astype("float32")
        land = (np.sin(lo * 3.1) + np.cos(la * 2.3)) > 1.75
        def grid(values):  # noqa: ANN001, ANN202
            return (("time", "latitude", "longitude"), np.where(land, np.nan, values)[None].astype("float32"))
        ds = xr.Dataset(
            {"CRW_SST": grid(sst), "CRW_SSTANOMALY": grid(anomaly), "CRW_DHW": grid(dhw), "CRW_BAA": grid(baa)},
            coords={"time": [np.datetime64(dt.datetime.combine(day, dt.time(12)), "ns")],
                    "latitude": ("latitude", lat, {"units": "degrees_north"}),
                    "longitude": ("longitude", lon, {"units": "degrees_east"})})
        for name, units in UNITS.items():
            ds[name].attrs["units"] = units
        return ds
