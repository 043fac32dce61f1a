"""The daily file's CF-1.8 / ACDD-1.3 form: names, cell methods, the grid mapping, the writer.

Coordinates, time bounds, encodings and ACDD globals come from ``ocean_assets.core.cf``; this
module adds what is CONUS404's own: CF standard names of the WRF variables, the Lambert conformal
grid mapping (the 2-D lat/lon are auxiliary coordinates, ``coordinates = "lat lon"``), and the
statement of which stamps each output covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ocean_assets.core import cf
from ocean_assets.core.conus404.projection import LambertConformal
from ocean_assets.core.conus404.windows import Kind

GRID_MAPPING = "lambert_conformal_conic"
REFERENCES = ("https://doi.org/10.1175/BAMS-D-21-0326.1, https://doi.org/10.5066/P9PHPK4F, "
              "https://doi.org/10.5065/ZYY0-Y036")

# CF standard name and long name of each WRF variable's daily output (CF Standard Name Table v93).
STANDARD_NAMES: dict[str, tuple[str, str]] = {
    "T2": ("air_temperature", "air temperature at 2 m"),
    "TD2": ("dew_point_temperature", "dew point temperature at 2 m"),
    "Q2": ("humidity_mixing_ratio", "water vapour mixing ratio at 2 m"),
    "PSFC": ("surface_air_pressure", "surface pressure"),
    "SWDOWN": ("surface_downwelling_shortwave_flux_in_air", "downward shortwave flux at the surface"),
    "PBLH": ("atmosphere_boundary_layer_thickness", "planetary boundary layer height"),
    "SNOW": ("surface_snow_amount", "snow water equivalent"),
    "PREC_ACC_NC": ("lwe_thickness_of_precipitation_amount", "grid-scale precipitation"),
    "SNOW_ACC_NC": ("lwe_thickness_of_snowfall_amount", "snowfall water equivalent"),
    "ACSWDNB": ("integral_wrt_time_of_surface_downwelling_shortwave_flux_in_air",
                "downwelling shortwave energy at the surface"),
    "ACLWDNB": ("integral_wrt_time_of_surface_downwelling_longwave_flux_in_air",
                "downwelling longwave energy at the surface"),
}
# wind components: earth-relative after rotation, else labelled as grid-relative
WIND_NAMES = {
    (True, 0): ("eastward_wind", "eastward wind at 10 m"),
    (True, 1): ("northward_wind", "northward wind at 10 m"),
    (False, 0): ("x_wind", "wind component along the model grid's x axis at 10 m"),
    (False, 1): ("y_wind", "wind component along the model grid's y axis at 10 m"),
}
_METHOD = {"mean": "mean", "sum": "sum", "min": "minimum", "max": "maximum"}
_UNITS = {"degree_north": "degrees_north", "degree_east": "degrees_east"}


def iso(day: dt.date, hour: int) -> str:
    return f"{(dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)):%Y-%m-%dT%H:%M}Z"


def cell_methods(kind: Kind, agg: str) -> str:
    if kind is Kind.TOTAL:
        return "time: sum"
    return f"time: {_METHOD[agg]} (interval: 1 hour)"


def window_comment(kind: Kind, agg: str, day: dt.date, samples: int, var: str,
                   counter: str | None = None, bucket: float = 0.0, units: str = "") -> str:
    if kind is Kind.INSTANT:
        return (f"{_METHOD[agg]} of {samples} instantaneous hourly values at "
                f"{iso(day, 0)} .. {iso(day, 23)}")
    if kind is Kind.HOURLY:
        return (f"{_METHOD[agg]} of the 24 hourly amounts of the hours ending {iso(day, 1)} .. "
                f"{iso(day, 24)} (a stamp holds the amount of the hour ending at it)")
    total = f"{var} + {counter} * {bucket:g} {units}".strip() if counter else var
    return f"total({iso(day, 24)}) - total({iso(day, 0)}), total = {total}"


def names(var: str, wind_component: int | None, earth_relative: bool) -> tuple[str | None, str]:
    """(standard_name or None, long_name) of a variable's daily output."""
    if wind_component is not None:
        return WIND_NAMES[(earth_relative, wind_component)]
    return STANDARD_NAMES.get(var, (None, var))


def coordinate(values: np.ndarray, attrs: Mapping[str, Any]) -> tuple[tuple[str, str], np.ndarray,
                                                                       dict[str, Any]]:
    """A 2-D lat/lon auxiliary coordinate with CF units (the source says 'degree_north')."""
    out = dict(attrs)
    out["units"] = _UNITS.get(str(out.get("units")), out.get("units"))
    return ("south_north", "west_east"), values, out


def grid_coordinates(projection: LambertConformal, x: np.ndarray, y: np.ndarray
                     ) -> dict[str, tuple]:
    """The grid mapping variable and the projection x/y coordinate variables (CF 5.6: a
    lambert_conformal_conic mapping needs projection_x/y_coordinate), named after the dims."""
    return {
        GRID_MAPPING: ((), np.int32(0), projection.cf_grid_mapping()),
        "west_east": ("west_east", x, {"standard_name": "projection_x_coordinate", "axis": "X",
                                       "long_name": "x coordinate of projection", "units": "m"}),
        "south_north": ("south_north", y, {"standard_name": "projection_y_coordinate", "axis": "Y",
                                           "long_name": "y coordinate of projection", "units": "m"}),
    }


def provenance(attrs: Mapping[str, Any]) -> cf.Provenance:
    return cf.Provenance(
        title=str(attrs["title"]), summary=str(attrs["summary"]), source=str(attrs["source"]),
        id=str(attrs["id"]), license=str(attrs.get("license") or cf.Provenance.license),
        keywords="CONUS404, WRF, hydroclimate, reanalysis, daily", references=REFERENCES,
        institution="ocean-assets (source: NCAR / USGS CONUS404)")


def write_daily_netcdf(ds: xr.Dataset, path: str, complevel: int) -> None:
    """Write the daily dataset as CF-1.8 / ACDD-1.3 NetCDF. Nothing depends on the wall clock,
    so re-running a day gives the same bytes."""
    day = dt.date.fromisoformat(str(np.datetime_as_string(ds["time"].values[0], unit="D")))
    if GRID_MAPPING in ds.coords:
        ds = ds.reset_coords(GRID_MAPPING)  # a data variable in the file, not a coordinate
    data_encoding: dict[str, dict[str, Any]] = {
        str(name): {"zlib": complevel > 0, "complevel": complevel}
        for name, da in ds.data_vars.items() if da.ndim}
    data_encoding[GRID_MAPPING] = {"zlib": False, "shuffle": False, "_FillValue": None}
    prepared, encoding = cf.prepare(ds, provenance(ds.attrs), day=day, data_encoding=data_encoding)
    if GRID_MAPPING in prepared:
        prepared[GRID_MAPPING].attrs.pop("coverage_content_type", None)
        encoding[GRID_MAPPING] = {"_FillValue": None}
    prepared.to_netcdf(path, engine="netcdf4", format="NETCDF4", encoding=encoding)
