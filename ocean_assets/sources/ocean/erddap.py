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
from ocean_assets.sources.ocean.http import HTTPStatusError, download

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


# Bytes per value of ERDDAP's "Data Type" column (info/{id}/index.json); unknown types count as 8.
TYPE_BYTES = {"byte": 1, "ubyte": 1, "char": 2, "short": 2, "ushort": 2, "int": 4, "uint": 4,
              "long": 8, "ulong": 8, "float": 4, "double": 8}
# ERDDAP refuses a response over 2 GB (HTTP 413); a request is split to stay well under this.
DEFAULT_MAX_REQUEST_MB = 500.0


def parse_value_bytes(info: dict[str, Any]) -> dict[str, int]:
    """Bytes per value of each data variable of an ERDDAP ``info/{id}/index.json`` table."""
    try:
        table = info["table"]
        cols = {name: i for i, name in enumerate(table["columnNames"])}
        return {r[cols["Variable Name"]]: TYPE_BYTES.get(str(r[cols["Data Type"]]).lower(), 8)
                for r in table["rows"] if r[cols["Row Type"]] == "variable"}
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"not an ERDDAP info table: {exc!r}") from None


def _cells(pair: tuple[float, float], axis: Axis | None) -> tuple[int, int] | None:
    """First and last index (from the axis minimum) ERDDAP selects for ``pair``; None if unknown."""
    if axis is None or not axis.spacing:
        return None
    step = abs(axis.spacing)
    return round((min(pair) - axis.minimum) / step), round((max(pair) - axis.minimum) / step)


def latitude_bands(lat: tuple[float, float], lon: tuple[float, float], axes: dict[str, Axis],
                   bytes_per_cell: int, max_bytes: float) -> list[tuple[float, float]]:
    """``lat`` split into latitude bands (south to north, on the axis' own grid points, no overlap)
    whose responses each hold at most ``max_bytes`` of data values: ERDDAP refuses responses
    over 2 GB (HTTP 413), and the full-globe MUR day is ~2.5 GB. One band when the request is
    small enough or the axes' spacing is unknown (the size cannot be estimated)."""
    rows, cols = _cells(lat, axes.get("latitude")), _cells(lon, axes.get("longitude"))
    if rows is None or cols is None:
        return [lat]
    per_row = (cols[1] - cols[0] + 1) * bytes_per_cell
    n_rows = rows[1] - rows[0] + 1
    rows_per_band = max(1, int(max_bytes // per_row))
    if n_rows <= rows_per_band:
        return [lat]
    axis = axes["latitude"]
    step = abs(axis.spacing or 0.0)
    digits = max(0, -math.floor(math.log10(step))) + 4

    def value(i: int) -> float:
        return round(axis.minimum + i * step, digits)

    return [(value(first), value(min(first + rows_per_band - 1, rows[1])))
            for first in range(rows[0], rows[1] + 1, rows_per_band)]


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
        self._value_bytes: dict[tuple[str, str], dict[str, int]] = {}

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
                info = json.loads(path.read_text())
                self._axes[key] = parse_info(info)
                self._value_bytes[key] = parse_value_bytes(info)
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

    def max_request_bytes(self, spec: ProductSpec) -> float:
        """``erddap.max_request_mb`` (default 500 MB): the largest response asked for at once."""
        raw = (spec.erddap or {}).get("max_request_mb", DEFAULT_MAX_REQUEST_MB)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < 2000:
            raise ValueError(f"product {spec.name}: erddap.max_request_mb {raw!r} is not a number of MB "
                             "in (0, 2000) (ERDDAP refuses responses over 2 GB)")
        return float(raw) * 1e6

    def bands(self, spec: ProductSpec, server: str, dataset_id: str, workdir: Path,
              ) -> tuple[list[tuple[float, float]], tuple[float, float], bool]:
        """The latitude bands to request (south to north), the longitude span, the axis order."""
        _, _, descending = self._settings(spec)
        axes = self.axes(server, dataset_id, workdir)
        lat, lon, descending = self.request_box(spec, axes, descending)
        sizes = self._value_bytes.get((server, dataset_id), {})
        per_cell = sum(sizes.get(v, 8) for v in spec.variable_names)
        return latitude_bands(lat, lon, axes, per_cell, self.max_request_bytes(spec)), lon, descending

    def _get(self, url: str, path: Path, keep: bool = True) -> xr.Dataset:
        try:
            path = download(url, path, backoff=self.backoff, not_found_message=NO_MATCH, timeout=self.timeout)
        except HTTPStatusError as exc:
            if exc.status == 413:
                raise PermanentError(f"{exc} (the response is larger than the server allows: lower "
                                     "erddap.max_request_mb)") from None
            raise
        with xr.open_dataset(path) as ds:
            loaded = ds.load()
        if not keep:  # a band: its bytes are in memory, do not hold the whole day on disk twice
            path.unlink(missing_ok=True)
        return loaded

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        server, dataset_id, _ = self._settings(spec)
        bands, lon, descending = self.bands(spec, server, dataset_id, workdir)
        parts = []
        for i, lat in enumerate(bands):
            url = griddap_url(server, dataset_id, spec.variable_names, day, lat, lon, descending)
            name = f"{spec.name}_{day:%Y%m%d}" + (f"_band{i:03d}" if len(bands) > 1 else "") + ".erddap.nc"
            parts.append(self._get(url, Path(workdir) / name, keep=len(bands) == 1).sortby(spec.lat))
        loaded = parts[0] if len(parts) == 1 else xr.concat(parts, dim=spec.lat, data_vars="minimal",
                                                            coords="minimal", compat="override",
                                                            combine_attrs="override")
        if len(parts) > 1 and not bool((np.diff(loaded[spec.lat].values) > 0).all()):
            raise PermanentError(f"ERDDAP latitude bands of {dataset_id} overlap or are out of order")
        loaded = to_kelvin(loaded, spec.variable_names)
        # ERDDAP may answer north->south; store every product latitude-ascending.
        if loaded[spec.lat].size > 1 and float(loaded[spec.lat][0]) > float(loaded[spec.lat][-1]):
            loaded = loaded.sortby(spec.lat)
        return loaded

    def latest_available(self, spec: ProductSpec) -> dt.date:
        return (self._today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)
