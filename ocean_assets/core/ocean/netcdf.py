"""Writing daily product files: CF attributes, compression, atomic placement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ocean_assets.core.io import atomic_path
from ocean_assets.core.ocean.products import ProductSpec

COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}
TIME_UNITS = "seconds since 1970-01-01 00:00:00"


def with_cf_attributes(ds: xr.Dataset, spec: ProductSpec, source: str) -> xr.Dataset:
    ds = ds.copy()
    ds.attrs.update({
        "Conventions": "CF-1.8",
        "title": f"{spec.title}, daily",
        "product": spec.name,
        "dataset_id": spec.dataset_id,
        "source": ds.attrs.get("source", source),
        "institution": ds.attrs.get("institution", "ocean-assets"),
        # No wall-clock stamp: re-running a partition must give a byte-identical file.
        "history": f"written by ocean-assets from {source}",
        "geospatial_lat_min": float(ds[spec.lat].min()),
        "geospatial_lat_max": float(ds[spec.lat].max()),
        "geospatial_lon_min": float(ds[spec.lon].min()),
        "geospatial_lon_max": float(ds[spec.lon].max()),
    })
    for name, std, units, axis in ((spec.lat, "latitude", "degrees_north", "Y"),
                                   (spec.lon, "longitude", "degrees_east", "X")):
        ds[name].attrs.update({"standard_name": std, "units": units, "axis": axis})
    if "time" in ds.coords:
        ds["time"].attrs.update({"standard_name": "time", "axis": "T"})
    for var in spec.variables:
        if var.name in ds and var.standard_name:
            ds[var.name].attrs.setdefault("standard_name", var.standard_name)
    return ds


def encoding_for(ds: xr.Dataset) -> dict[str, dict]:
    encoding: dict[str, dict] = {}
    for name, da in ds.data_vars.items():
        enc = dict(COMPRESSION)
        if np.issubdtype(da.dtype, np.floating):
            enc.update({"dtype": "float32", "_FillValue": np.float32(np.nan)})
        encoding[str(name)] = enc
    if "time" in ds.coords:
        encoding["time"] = {"units": TIME_UNITS, "calendar": "standard", "dtype": "float64"}
    return encoding


def write_product(ds: xr.Dataset, path: Path, spec: ProductSpec, source: str) -> Path:
    """Write ``ds`` to ``path`` (NetCDF4, compressed, CF) through a temporary file and a rename."""
    out = with_cf_attributes(ds, spec, source)
    for name in out.data_vars:
        out[name].encoding.clear()
    with atomic_path(path) as tmp:
        out.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding_for(out))
    return Path(path)
