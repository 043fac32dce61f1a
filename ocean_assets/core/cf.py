"""CF-1.8 and ACDD-1.3 metadata shared by every NetCDF writer (ocean products, CONUS404, CRW).

One place decides how coordinates, time and global attributes are encoded, so every file passes
IOOS compliance-checker (`cf:1.8`, `acdd:1.3`) the same way:
- coordinate variables carry standard_name, long_name, units and axis and never a _FillValue
  (CF 2.5.1);
- time is float64 "seconds since 1970-01-01" (CF-1.8 has no 64-bit integers, CF 2.2);
- a variable with a `cell_methods` over time has time bounds (CF 7.1, 7.3);
- flag_values / flag_masks have the variable's own type (CF 3.5);
- global attributes: Conventions, and the ACDD-1.3 "highly recommended" and "recommended"
  attributes that can be stated without a wall clock. Nothing depends on when the file was
  written, so re-running a day gives identical bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

CONVENTIONS = "CF-1.8, ACDD-1.3"
TIME_UNITS = "seconds since 1970-01-01 00:00:00"
TIME_BOUNDS = "time_bnds"
# The table our standard names were checked against (the one compliance-checker 6.1 ships).
STANDARD_NAME_VOCABULARY = "CF Standard Name Table v93"
PROJECT_URL = "https://github.com/ocean-assets/ocean-assets"

# CF standard names, long names, units and axes of the usual coordinate variables.
_COORDINATES: dict[str, dict[str, str]] = {
    "latitude": {"standard_name": "latitude", "long_name": "latitude", "units": "degrees_north",
                 "axis": "Y"},
    "longitude": {"standard_name": "longitude", "long_name": "longitude", "units": "degrees_east",
                  "axis": "X"},
    "time": {"standard_name": "time", "long_name": "time", "axis": "T"},
    "depth": {"standard_name": "depth", "long_name": "depth", "units": "m", "positive": "down",
              "axis": "Z"},
}
_ALIASES = {"lat": "latitude", "lon": "longitude"}


@dataclass(frozen=True)
class Provenance:
    """What ACDD-1.3 asks a file to say about itself (none of it depends on the wall clock)."""

    title: str
    summary: str
    source: str
    id: str
    license: str = "Source data licence applies; see the source's terms of use."
    keywords: str = ""
    creator_name: str = "ocean-assets"
    creator_url: str = PROJECT_URL
    institution: str = "ocean-assets"
    references: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def history(self) -> str:
        return f"ocean-assets: {self.source}"


def coordinate_attributes(ds: xr.Dataset) -> xr.Dataset:
    """Standard CF attributes on the coordinate variables present (1-D lat/lon/time/depth; 2-D
    lat/lon of a projected grid are auxiliary coordinates: the same names and units, no axis)."""
    for name in list(ds.coords):
        kind = _ALIASES.get(str(name), str(name))
        attrs = _COORDINATES.get(kind)
        if attrs is None or (ds[name].ndim > 1 and kind not in ("latitude", "longitude")):
            continue
        for key, value in attrs.items():
            if key == "axis" and ds[name].ndim > 1:
                continue
            if key == "standard_name":
                ds[name].attrs[key] = value
            else:
                ds[name].attrs.setdefault(key, value)
    return ds


def add_daily_time_bounds(ds: xr.Dataset, day: dt.date) -> xr.Dataset:
    """Bounds [day 00:00, day+1 00:00) for a daily statistic (CF 7.1), referenced by `time`."""
    if "time" not in ds.dims:
        return ds
    start = np.datetime64(dt.datetime.combine(day, dt.time()), "ns")
    end = start + np.timedelta64(1, "D")
    bounds = np.array([[start, end]] * ds.sizes["time"], dtype="datetime64[ns]")
    ds = ds.assign({TIME_BOUNDS: (("time", "nv"), bounds)})
    ds["time"].attrs["bounds"] = TIME_BOUNDS
    return ds


def flag_attributes_typed(ds: xr.Dataset) -> xr.Dataset:
    """flag_values / flag_masks in the type of their variable (CF 3.5)."""
    for name in ds.data_vars:
        var = ds[name]
        target = var.encoding.get("dtype", var.dtype)
        for key in ("flag_values", "flag_masks", "valid_min", "valid_max", "valid_range"):
            if key in var.attrs and np.issubdtype(np.dtype(target), np.number):
                var.attrs[key] = np.asarray(var.attrs[key]).astype(target)
    return ds


def global_attributes(ds: xr.Dataset, provenance: Provenance) -> dict[str, Any]:
    """Conventions plus ACDD-1.3 global attributes, derived from the data where possible."""
    attrs: dict[str, Any] = {
        "Conventions": CONVENTIONS,
        "title": provenance.title,
        "summary": provenance.summary,
        "keywords": provenance.keywords or provenance.title,
        "source": provenance.source,
        "history": provenance.history(),
        "id": provenance.id,
        "naming_authority": "ocean-assets",
        "license": provenance.license,
        "institution": provenance.institution,
        "creator_name": provenance.creator_name,
        "creator_url": provenance.creator_url,
        "creator_type": "group",
        "publisher_name": provenance.creator_name,
        "publisher_url": provenance.creator_url,
        "acknowledgement": f"Data: {provenance.source}",
        "standard_name_vocabulary": STANDARD_NAME_VOCABULARY,
        "cdm_data_type": "Grid",
        "product_version": "1",
        "processing_level": "derived",
    }
    if provenance.references:
        attrs["references"] = provenance.references
    attrs.update(_extents(ds))
    attrs.update(provenance.extra)
    return attrs


def _extents(ds: xr.Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, prefix, units in (("latitude", "geospatial_lat", "degrees_north"),
                                ("longitude", "geospatial_lon", "degrees_east")):
        name = next((n for n in ds.variables if _ALIASES.get(str(n), str(n)) == kind), None)
        if name is not None and ds[name].size:
            out[f"{prefix}_min"] = float(ds[name].min())
            out[f"{prefix}_max"] = float(ds[name].max())
            out[f"{prefix}_units"] = units
    if "depth" in ds.variables and ds["depth"].size:
        out.update(geospatial_vertical_min=float(ds["depth"].min()),
                   geospatial_vertical_max=float(ds["depth"].max()),
                   geospatial_vertical_units="m", geospatial_vertical_positive="down")
    bounds = ds[TIME_BOUNDS] if TIME_BOUNDS in ds.variables else None
    if bounds is not None and bounds.size:
        start, end = bounds.values.min(), bounds.values.max()
    elif "time" in ds.variables and ds["time"].size:
        start, end = ds["time"].values.min(), ds["time"].values.max()
    else:
        return out
    out["time_coverage_start"] = _iso(start)
    out["time_coverage_end"] = _iso(end)
    return out


def _iso(value: np.datetime64) -> str:
    return str(np.datetime_as_string(value.astype("datetime64[s]"), unit="s")) + "Z"


def encoding(ds: xr.Dataset, data_encoding: Mapping[str, Any] | None = None) -> dict[str, dict]:
    """NetCDF encoding: compressed float32 data with NaN fill, coordinates without _FillValue,
    time (and its bounds) as float64 seconds since 1970."""
    enc: dict[str, dict] = {}
    for name, da in ds.data_vars.items():
        item: dict[str, Any] = {"zlib": True, "complevel": 4, "shuffle": True}
        if np.issubdtype(da.dtype, np.floating):
            item.update(dtype="float32", _FillValue=np.float32(np.nan))
        elif np.issubdtype(da.dtype, np.datetime64):
            item = {"units": TIME_UNITS, "calendar": "standard", "dtype": "float64", "_FillValue": None}
        enc[str(name)] = item | dict(data_encoding or {}).get(str(name), {})
    for name in ds.coords:
        item = {"_FillValue": None}
        if np.issubdtype(ds[name].dtype, np.datetime64):
            item.update(units=TIME_UNITS, calendar="standard", dtype="float64")
        enc[str(name)] = item
    return enc


def prepare(ds: xr.Dataset, provenance: Provenance, *, day: dt.date | None = None,
            data_encoding: Mapping[str, Any] | None = None) -> tuple[xr.Dataset, dict[str, dict]]:
    """The dataset with CF/ACDD attributes, and the encoding to write it with.

    ``day``: add daily time bounds (needed when a variable's cell_methods is over time)."""
    out = ds.copy()
    for name in out.variables:
        out[name].encoding.clear()
    out = coordinate_attributes(out)
    if day is not None and any("time:" in str(out[v].attrs.get("cell_methods", ""))
                               for v in out.data_vars):
        out = add_daily_time_bounds(out, day)
    out = flag_attributes_typed(out)
    for name in out.data_vars:  # ACDD: what kind of content each variable holds
        if name != TIME_BOUNDS:
            default = "qualityInformation" if "flag_values" in out[name].attrs else "physicalMeasurement"
            out[name].attrs.setdefault("coverage_content_type", default)
    out.attrs = {k: v for k, v in out.attrs.items() if k not in {"Conventions"}}
    out.attrs.update(global_attributes(out, provenance))
    return out, encoding(out, data_encoding)
