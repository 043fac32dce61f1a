"""Live NASA CYGNSS L3 microplastic client: downloads the day's PO.DAAC granule over HTTPS with an
Earthdata bearer token (env EARTHDATA_TOKEN) and subsets it to the configured region."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import xarray as xr

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.retry import Backoff
from ocean_assets.sources.ocean.http import download


def normalize_grid(ds: xr.Dataset, spec: ProductSpec) -> xr.Dataset:
    """Rename lat/lon to the product's names, wrap longitudes to -180..180, sort, subset the region."""
    renames = {old: new for old, new in (("lat", spec.lat), ("lon", spec.lon)) if old in ds.dims and old != new}
    if renames:
        ds = ds.rename(renames)
    lon = ds[spec.lon]
    if float(lon.max()) > 180:
        ds = ds.assign_coords({spec.lon: ((lon + 180) % 360) - 180})
    ds = ds.sortby([spec.lat, spec.lon])
    r = spec.region
    return ds.sel({spec.lat: slice(r.min_lat, r.max_lat), spec.lon: slice(r.min_lon, r.max_lon)})


class CygnssMicroplasticSource:
    name = "cygnss"

    def __init__(self, url_template: str | None = None, token: str | None = None,
                 backoff: Backoff | None = None, today: dt.date | None = None,
                 timeout: float = 60.0) -> None:
        self.url_template = url_template
        self._token = token
        self.backoff = backoff or Backoff()
        self._today = today
        self.timeout = timeout

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        template = self.url_template or spec.url_template
        if not template:
            raise ValueError(f"product {spec.name}: no url_template configured")
        token = self._token or os.environ.get("EARTHDATA_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        path = download(template.format(day=day), Path(workdir) / f"{spec.name}_{day:%Y%m%d}.granule.nc",
                        headers=headers, backoff=self.backoff, timeout=self.timeout)
        with xr.open_dataset(path) as ds:
            return normalize_grid(ds.load(), spec)

    def latest_available(self, spec: ProductSpec) -> dt.date:
        # Level-3 CYGNSS grids are published with a lag of several days.
        return (self._today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=6)
