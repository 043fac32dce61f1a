"""Live NOAA ERDDAP griddap client: ``{server}/griddap/{id}.nc?var[(t0):1:(t1)][(lat0):1:(lat1)][(lon0):1:(lon1)]``."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from urllib.parse import quote

import xarray as xr

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.retry import Backoff
from ocean_assets.sources.ocean.http import download

NO_MATCH = "Your query produced no matching results"
# ERDDAP dataset ids and variable names are identifiers; anything else could inject into the query.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def griddap_url(server: str, dataset_id: str, variables: list[str], day: dt.date,
                lat: tuple[float, float], lon: tuple[float, float], latitude_descending: bool) -> str:
    """The griddap .nc query for one UTC day of ``variables`` over a box.

    Raises ValueError for a dataset id or variable that is not an identifier, no variables, or a
    non-finite / out-of-range coordinate, so a bad config never becomes a malformed request.
    """
    for what, name in (("dataset id", dataset_id), *(("variable", v) for v in variables)):
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            raise ValueError(f"ERDDAP {what} {name!r} is not an identifier ([A-Za-z_][A-Za-z0-9_]*)")
    if not variables:
        raise ValueError("ERDDAP query needs at least one variable")
    for axis, pair, limit in (("latitude", lat, 90.0), ("longitude", lon, 360.0)):
        if not all(math.isfinite(v) and -limit <= v <= limit for v in pair):
            raise ValueError(f"ERDDAP {axis} bounds {pair} are not finite values within +-{limit:g}")
    t0 = f"{day:%Y-%m-%d}T00:00:00Z"
    t1 = f"{day:%Y-%m-%d}T23:59:59Z"
    lat0, lat1 = (max(lat), min(lat)) if latitude_descending else (min(lat), max(lat))
    box = f"[({t0}):1:({t1})][({lat0}):1:({lat1})][({min(lon)}):1:({max(lon)})]"
    query = ",".join(f"{v}{box}" for v in variables)
    return f"{server.rstrip('/')}/griddap/{dataset_id}.nc?{quote(query, safe='[]():,.-')}"


def to_kelvin(ds: xr.Dataset, variables: list[str]) -> xr.Dataset:
    """ERDDAP serves MUR SST in degree_C; the SST product is stored in kelvin like OSTIA."""
    for name in variables:
        units = str(ds[name].attrs.get("units", ""))
        if units in ("degree_C", "degrees_C", "Celsius", "celsius", "deg_C"):
            attrs = {**ds[name].attrs, "units": "K"}
            ds[name] = (ds[name] + 273.15).assign_attrs(attrs)
    return ds


class ErddapGriddapSource:
    name = "erddap"

    def __init__(self, server: str | None = None, dataset_id: str | None = None,
                 latitude_descending: bool | None = None, backoff: Backoff | None = None,
                 today: dt.date | None = None, timeout: float = 60.0) -> None:
        self.server = server
        self.dataset_id = dataset_id
        self.latitude_descending = latitude_descending
        self.backoff = backoff or Backoff()
        self._today = today
        self.timeout = timeout

    def _settings(self, spec: ProductSpec) -> tuple[str, str, bool]:
        alt = spec.erddap or {}
        server = self.server or alt.get("server")
        dataset_id = self.dataset_id or alt.get("dataset_id") or spec.dataset_id
        descending = (self.latitude_descending if self.latitude_descending is not None
                      else bool(alt.get("latitude_descending", False)))
        if not server:
            raise ValueError(f"product {spec.name}: no ERDDAP server configured (erddap.server)")
        return server, dataset_id, descending

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        server, dataset_id, descending = self._settings(spec)
        r = spec.region
        url = griddap_url(server, dataset_id, spec.variable_names, day,
                          (r.min_lat, r.max_lat), (r.min_lon, r.max_lon), descending)
        path = download(url, Path(workdir) / f"{spec.name}_{day:%Y%m%d}.erddap.nc",
                        backoff=self.backoff, not_found_message=NO_MATCH, timeout=self.timeout)
        with xr.open_dataset(path) as ds:
            loaded = ds.load()
        loaded = to_kelvin(loaded, spec.variable_names)
        # ERDDAP may answer north->south; store every product latitude-ascending.
        if loaded[spec.lat].size > 1 and float(loaded[spec.lat][0]) > float(loaded[spec.lat][-1]):
            loaded = loaded.sortby(spec.lat)
        return loaded

    def latest_available(self, spec: ProductSpec) -> dt.date:
        return (self._today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)
