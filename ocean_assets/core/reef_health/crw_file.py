"""The daily CRW grid as the project stores it: CF-1.8 / ACDD-1.3 through core.cf, units UDUNITS can
parse, the alert levels as a typed flag variable (core.reef_health.alerts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xarray as xr

from ocean_assets.core import cf
from ocean_assets.core.reef_health import alerts

ALERT_VARIABLES = ("CRW_BAA", "CRW_BAA_7D_MAX")
ALERT_FILL = np.int8(-1)
# CRW names DHW's unit "degree_Celsius_weeks" in its files ("Celsius weeks" on ERDDAP); the first is
# not UDUNITS. A DHW of 1 is one week at 1 degC above the bleaching threshold: "degree_C week".
UNITS = {"CRW_SST": "degree_C", "CRW_SSTANOMALY": "degree_C", "CRW_HOTSPOT": "degree_C",
         "CRW_DHW": "degree_C week"}
# CF standard names where the table has one (v93): none exists for DHW, a time integral of HotSpots.
STANDARD_NAMES = {"CRW_SST": "sea_surface_temperature", "CRW_SSTANOMALY": "surface_temperature_anomaly",
                  "CRW_HOTSPOT": "surface_temperature_anomaly"}
DIFFERENCES = ("CRW_SSTANOMALY", "CRW_HOTSPOT", "CRW_DHW")  # temperature differences, not on-scale
LONG_NAMES = {
    "CRW_SST": "sea surface temperature (CoralTemp, night-only)",
    "CRW_SSTANOMALY": "sea surface temperature anomaly",
    "CRW_HOTSPOT": "coral bleaching hotspot (SST minus maximum monthly mean)",
    "CRW_DHW": "degree heating week (CRW units: degree_Celsius_weeks)",
    "CRW_BAA": "bleaching alert area",
    "CRW_BAA_7D_MAX": "bleaching alert area 7-day maximum composite",
}
LICENSE = ("NOAA Coral Reef Watch data are available for use without restriction; credit NOAA Coral "
           "Reef Watch and cite the dataset DOI (https://coralreefwatch.noaa.gov).")


def provenance(day: dt.date, live: bool, dataset_id: str = "dhw_5km") -> cf.Provenance:
    source = (f"NOAA Coral Reef Watch {dataset_id} v3.1 (ERDDAP griddap)" if live
              else "ocean-assets demo twin of NOAA Coral Reef Watch dhw_5km v3.1")
    return cf.Provenance(
        title="NOAA Coral Reef Watch daily 5 km heat stress over the reef region",
        summary="Sea surface temperature, SST anomaly, HotSpot, Degree Heating Week and Bleaching "
                "Alert Area levels (0-7, CRW's coding since December 2023) for one day.",
        source=source, id=f"crw_{day:%Y%m%d}", license=LICENSE,
        keywords="coral bleaching, degree heating week, bleaching alert area, sea surface temperature",
        references="https://coralreefwatch.noaa.gov/product/5km/index.php")


def _alert_flags(da: xr.DataArray) -> xr.DataArray:
    values = da.values
    coded = np.where(np.isnan(values), ALERT_FILL, np.clip(np.rint(np.nan_to_num(values)), 0, 127)).astype("int8")
    out = da.copy(data=coded)
    kept = {k: da.attrs[k] for k in (alerts.DISAGREEING_ATTR, alerts.RECOMPUTED_ATTR) if k in da.attrs}
    out.attrs = {**kept, "long_name": LONG_NAMES.get(str(da.name), str(da.name)), "units": "1",
                 "flag_values": np.array(alerts.CODES, dtype="int8"), "flag_meanings": alerts.FLAG_MEANINGS,
                 "valid_range": np.array([alerts.MIN_LEVEL, alerts.MAX_LEVEL], dtype="int8"),
                 "comment": "NOAA CRW Bleaching Alert Area levels since December 2023: "
                            + "; ".join(f"{lv.code} - {lv.name}" for lv in alerts.LEVELS)}
    return out


def prepared(ds: xr.Dataset, day: dt.date, live: bool) -> tuple[xr.Dataset, dict[str, dict]]:
    """The dataset to write and its encoding."""
    out = ds.copy()
    for name in list(out.data_vars):
        if name in ALERT_VARIABLES:
            out[name] = _alert_flags(out[name])
            continue
        source_units = str(out[name].attrs.get("units", ""))
        attrs = {"long_name": LONG_NAMES.get(str(name), str(out[name].attrs.get("long_name", name)))}
        if name in UNITS:
            attrs["units"] = UNITS[str(name)]
            if source_units and source_units != UNITS[str(name)]:
                attrs["comment"] = f"units as served by the source: {source_units}"
        if name in STANDARD_NAMES:
            attrs["standard_name"] = STANDARD_NAMES[str(name)]
        if name in DIFFERENCES:
            attrs["units_metadata"] = "temperature: difference"
        out[name].attrs = attrs
    fills = {name: {"_FillValue": ALERT_FILL} for name in ALERT_VARIABLES if name in out}
    return cf.prepare(out, provenance(day, live), day=day, data_encoding=fills)


def write(ds: xr.Dataset, day: dt.date, path: Path, live: bool) -> None:
    """Write the day's grid to ``path`` (the caller writes to a temporary name and renames)."""
    out, encoding = prepared(ds, day, live)
    out.to_netcdf(path, encoding=encoding)
