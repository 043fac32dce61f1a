"""Writing daily product files: CF-1.8 / ACDD-1.3 through ``core.cf``, compression, atomic placement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xarray as xr

from ocean_assets.core import cf
from ocean_assets.core.io import atomic_path
from ocean_assets.core.ocean.products import ProductSpec

SOURCES = {
    "copernicus": "Copernicus Marine Service",
    "erddap": "NOAA ERDDAP griddap",
    "cygnss": "NASA PO.DAAC (CYGNSS)",
    "demo": "ocean-assets demo twin (synthetic)",
}


def product_day(ds: xr.Dataset) -> dt.date | None:
    """The UTC day of the file's (single) time step."""
    if "time" not in ds.coords or ds["time"].size == 0:
        return None
    return np.datetime64(ds["time"].values.min(), "D").astype(dt.date)


def provenance(spec: ProductSpec, source: str, day: dt.date | None) -> cf.Provenance:
    """ACDD-1.3 description of one daily product file (nothing depends on the wall clock)."""
    origin = f"{SOURCES.get(source, source)} dataset {spec.dataset_id}"
    stamp = f"{day:%Y%m%d}" if day else "undated"
    return cf.Provenance(
        title=f"{spec.title}, daily",
        summary=spec.summary or f"Daily {spec.title} from {origin}.",
        source=origin,
        id=f"ocean-assets.{spec.name}.{stamp}",
        keywords=", ".join(v.standard_name or v.name for v in spec.variables),
        **({"license": spec.license} if spec.license else {}),
        extra={"product": spec.name, "dataset_id": spec.dataset_id},
    )


def with_variable_attributes(ds: xr.Dataset, spec: ProductSpec) -> xr.Dataset:
    """Standard_name, long_name and the configured spelling of the units of the product's
    variables (the same for every source, so demo and live files agree). Units are respelled only
    when the source's units are a configured alias of the same unit (``#/km^2`` -> ``km-2``); other
    units are kept, so the units rule still catches a source in the wrong unit."""
    ds = ds.copy()
    for var in spec.variables:
        if var.name not in ds:
            continue
        attrs = ds[var.name].attrs
        if str(attrs.get("units")) in spec.accepted_units(var.units):
            attrs["units"] = var.units
        if var.standard_name:
            attrs["standard_name"] = var.standard_name
        attrs.setdefault("long_name", var.long_name or var.standard_name or var.name)
        for key in ("valid_min", "valid_max", "valid_range", "actual_range"):
            attrs.pop(key, None)  # a source's range in its own units would be wrong after conversion
    for name in ds.data_vars:
        attrs = ds[name].attrs
        if "flag_masks" in attrs or "flag_values" in attrs:
            attrs.setdefault("long_name", str(name))
            attrs.pop("units", None)
        elif "long_name" not in attrs:
            attrs["long_name"] = str(name).replace("_", " ")
    return ds


def write_product(ds: xr.Dataset, path: Path, spec: ProductSpec, source: str) -> Path:
    """Write ``ds`` to ``path`` (NetCDF4, compressed, CF-1.8 + ACDD-1.3) through a temporary file
    and a rename. Re-writing the same data gives the same bytes (no wall-clock attributes)."""
    day = product_day(ds)
    out, encoding = cf.prepare(with_variable_attributes(ds, spec), provenance(spec, source, day), day=day)
    with atomic_path(path) as tmp:
        out.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return Path(path)
