"""Live NOAA ERDDAP griddap client: ``{server}/griddap/{id}.nc?var[(t0):1:(t1)][(lat0):1:(lat1)][(lon0):1:(lon1)]``."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import xarray as xr

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.retry import Backoff, PermanentError
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


CELSIUS = ("degree_C", "degrees_C", "degree_Celsius", "Celsius", "celsius", "deg_C")
# Attributes holding values in the variable's units: shifted with the data, or they would lie.
RANGE_ATTRS = ("actual_range", "valid_min", "valid_max", "valid_range", "colorBarMinimum", "colorBarMaximum")


def to_kelvin(ds: xr.Dataset, variables: list[str]) -> xr.Dataset:
    """ERDDAP serves MUR SST in degree_C; the SST product is stored in kelvin like OSTIA.
    T[K] = T[degC] + 273.15, applied to the values and to their range attributes."""
    for name in variables:
        units = str(ds[name].attrs.get("units", ""))
        if units in CELSIUS:
            attrs = {**ds[name].attrs, "units": "K"}
            for key in RANGE_ATTRS:
                if key in attrs:
                    attrs[key] = (np.asarray(attrs[key], dtype="float64") + 273.15).tolist()
            ds[name] = (ds[name] + 273.15).assign_attrs(attrs)
    return ds


@dataclass(frozen=True)
class Axis:
    """One griddap axis as ERDDAP describes it in info/{id}/index.json."""

    name: str
    minimum: float
    maximum: float
    spacing: float | None  # averageSpacing; negative for a descending axis (dhw_5km latitude)

    @property
    def descending(self) -> bool:
        return self.spacing is not None and self.spacing < 0


_SPACING = re.compile(r"averageSpacing=(-?[0-9.eE+-]+)(?:,|$)")


def parse_info(info: dict[str, Any]) -> dict[str, Axis]:
    """The numeric axes of an ERDDAP ``info/{id}/index.json`` table (rows: Row Type, Variable Name,
    Attribute Name, Data Type, Value): the ``actual_range`` of each dimension and its spacing."""
    try:
        table = info["table"]
        cols = {name: i for i, name in enumerate(table["columnNames"])}
        rows = [(r[cols["Row Type"]], r[cols["Variable Name"]], r[cols["Attribute Name"]], r[cols["Value"]])
                for r in table["rows"]]
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"not an ERDDAP info table: {exc!r}") from None
    dims = {name: value for kind, name, _attr, value in rows if kind == "dimension"}
    axes: dict[str, Axis] = {}
    for kind, name, attr, value in rows:
        if kind != "attribute" or attr != "actual_range" or name not in dims:
            continue
        try:
            lo, hi = sorted(float(v) for v in str(value).split(","))
        except ValueError:
            continue  # a time axis stated as ISO strings: not needed for clamping
        m = _SPACING.search(str(dims[name]))
        spacing = float(m.group(1)) if m else None
        axes[name] = Axis(name, lo, hi, spacing)
    return axes


def clamp(pair: tuple[float, float], axis: Axis, what: str) -> tuple[float, float]:
    """The requested span cut to the axis range (ERDDAP refuses anything beyond half a step)."""
    lo, hi = min(pair), max(pair)
    if hi < axis.minimum or lo > axis.maximum:
        raise PermanentError(f"{what} {lo:g}..{hi:g} is outside the dataset's {axis.name} axis "
                             f"{axis.minimum:g}..{axis.maximum:g}")
    return max(lo, axis.minimum), min(hi, axis.maximum)


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
        self._axes: dict[tuple[str, str], dict[str, Axis]] = {}

    def _settings(self, spec: ProductSpec) -> tuple[str, str, bool]:
        alt = spec.erddap or {}
        server = self.server or alt.get("server")
        dataset_id = self.dataset_id or alt.get("dataset_id") or spec.dataset_id
        descending = (self.latitude_descending if self.latitude_descending is not None
                      else bool(alt.get("latitude_descending", False)))
        if not server:
            raise ValueError(f"product {spec.name}: no ERDDAP server configured (erddap.server)")
        return server, dataset_id, descending

    def axes(self, server: str, dataset_id: str, workdir: Path) -> dict[str, Axis]:
        """The dataset's axes from ``{server}/info/{id}/index.json`` (read once per source)."""
        key = (server, dataset_id)
        if key not in self._axes:
            if not IDENTIFIER.fullmatch(dataset_id):
                raise ValueError(f"ERDDAP dataset id {dataset_id!r} is not an identifier")
            path = download(f"{server.rstrip('/')}/info/{dataset_id}/index.json",
                            Path(workdir) / f"{dataset_id}.info.json", backoff=self.backoff, timeout=self.timeout)
            try:
                self._axes[key] = parse_info(json.loads(path.read_text()))
            except (ValueError, UnicodeDecodeError) as exc:
                raise PermanentError(f"ERDDAP info for {dataset_id} is unreadable: {exc}") from None
        return self._axes[key]

    def request_box(self, spec: ProductSpec, axes: dict[str, Axis], descending: bool,
                    ) -> tuple[tuple[float, float], tuple[float, float], bool]:
        """The configured region clamped to the dataset's latitude/longitude axes, and whether the
        latitude axis runs north to south (from its spacing; the config's flag when unknown)."""
        r = spec.region
        lat, lon = (r.min_lat, r.max_lat), (r.min_lon, r.max_lon)
        if "latitude" in axes:
            lat = clamp(lat, axes["latitude"], f"product {spec.name}: latitude")
            if axes["latitude"].spacing is not None:
                descending = axes["latitude"].descending
        if "longitude" in axes:
            lon = clamp(lon, axes["longitude"], f"product {spec.name}: longitude")
        return lat, lon, descending

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        server, dataset_id, descending = self._settings(spec)
        lat, lon, descending = self.request_box(spec, self.axes(server, dataset_id, workdir), descending)
        url = griddap_url(server, dataset_id, spec.variable_names, day, lat, lon, descending)
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
