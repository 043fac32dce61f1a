"""Days larger than memory: the ocean writer and validator on dask chunks.

A product file whose decoded variables exceed the memory budget (env OCEAN_ASSETS_MEMORY_BUDGET_MB,
default 1024) is read in latitude bands: ``xr.open_dataset(..., chunks=...)`` gives dask arrays,
every statistic the rules need is one dask reduction, and all of them are computed in one pass
over the file, so peak memory is a few bands, not the day. The outcomes are the same as
``validate.validate_file`` (same rules, messages, severities); the integrity outcome says how
many chunks were read. Writing streams dask arrays band by band into the NetCDF file
(``to_netcdf`` of a dask-backed dataset), through the same atomic temporary file.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
import xarray as xr

from ocean_assets.core.ocean import validate as rules
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.outcome import Outcome, fail, ok

BANDS_IN_BUDGET = 8  # one chunk of one variable uses at most budget / 8 (room for masks, temporaries)


def memory_budget_bytes() -> int:
    """The per-step memory budget for one day's arrays (read at run time)."""
    from ocean_assets.settings import get_settings

    return int(get_settings().memory_budget_mb * 1024 * 1024)


def decoded_nbytes(ds: xr.Dataset) -> int:
    """Bytes of every data variable once decoded (lazy: nothing is read)."""
    return int(sum(v.size * max(v.dtype.itemsize, 4) for v in ds.data_vars.values()))


def plan_chunks(ds: xr.Dataset, lat: str, budget: int) -> dict[str, int] | None:
    """Latitude-band chunks so that one chunk of the largest variable fits budget/BANDS_IN_BUDGET;
    None when the whole day fits the budget (the in-memory path)."""
    if decoded_nbytes(ds) <= budget or lat not in ds.dims:
        return None
    largest = max((v for v in ds.data_vars.values() if lat in v.dims), key=lambda v: v.size, default=None)
    if largest is None:
        return None
    row_bytes = largest.size // ds.sizes[lat] * max(largest.dtype.itemsize, 4)
    rows = max(1, (budget // BANDS_IN_BUDGET) // max(row_bytes, 1))
    return {lat: int(min(rows, ds.sizes[lat]))}


def write_product_chunked(ds: xr.Dataset, path: Path, spec: ProductSpec, source: str,
                          budget: int | None = None) -> Path:
    """``write_product`` with the data as dask latitude bands when the day exceeds the budget."""
    chunks = plan_chunks(ds, spec.lat, budget or memory_budget_bytes())
    return write_product(ds.chunk(chunks) if chunks else ds, path, spec, source)


def validate_file_auto(path: Path, spec: ProductSpec, day: dt.date | None = None,
                       budget: int | None = None) -> list[Outcome]:
    """The in-memory validator for files within the budget, the chunked one beyond it."""
    path = Path(path)
    chunks = _chunks_for(path, spec, budget or memory_budget_bytes())
    return validate_file_chunked(path, spec, day, chunks) if chunks else rules.validate_file(path, spec, day)


def _chunks_for(path: Path, spec: ProductSpec, budget: int) -> dict[str, int] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with xr.open_dataset(path, engine="netcdf4", cache=False) as ds:  # lazy: header only
                return plan_chunks(ds, spec.lat, budget)
    except Exception:  # unreadable: the in-memory validator reports it (it fails before loading)
        return None


def validate_file_chunked(path: Path, spec: ProductSpec, day: dt.date | None,
                          chunks: dict[str, int]) -> list[Outcome]:
    """Every rule of ``validate.validate_file`` with the data read as dask chunks."""
    path = Path(path)
    size = path.stat().st_size if path.exists() else 0
    if size:
        with path.open("rb") as fh:
            declared = rules.hdf5_declared_size(fh.read(64))
        if declared is not None and size < declared:
            return rules.validate_file(path, spec, day)  # truncated: reported before any loading
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = xr.open_dataset(path, engine="netcdf4", chunks=chunks, cache=False)
    except Exception:
        return rules.validate_file(path, spec, day)  # missing/empty/not NetCDF: same messages
    try:
        try:
            stats, n_chunks = _stats(ds, spec)
        except Exception as exc:  # a truncated or corrupt chunk
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            integrity = fail(rules.INTEGRITY, f"file does not open or is truncated: {reason}", size_bytes=size)
            why = f"integrity failed ({integrity.message})"
            return [integrity, *(fail(r, f"not evaluated: {why}") for r in rules.RULES[1:])]
        return [
            ok(rules.INTEGRITY, "opens and reads completely", size_bytes=size, read_in_chunks=n_chunks),
            rules.check_schema(ds, spec),
            rules.check_coordinates(ds, spec),
            rules.check_time(ds, day),
            rules.check_units(ds, spec),
            _values_outcome(spec, stats),
            _nan_outcome(ds, spec, stats),
        ]
    finally:
        ds.close()


def _as_float(x: da.Array) -> da.Array:
    return x if np.issubdtype(x.dtype, np.floating) else x.astype("float64")


def _stats(ds: xr.Dataset, spec: ProductSpec) -> tuple[dict[str, Any], int]:
    """All reductions the value and NaN rules need, computed together in one pass."""
    lazy: dict[str, Any] = {}
    n_chunks = 0
    sea = None
    mask_name = spec.land_mask_variable
    for var in spec.variables:
        if var.name not in ds:
            continue
        arr = ds[var.name]
        data = _as_float(arr.data if isinstance(arr.data, da.Array) else da.from_array(arr.values))
        n_chunks = max(n_chunks, data.npartitions)
        finite = da.isfinite(data)
        clean = da.where(finite, data, np.nan)
        entry = {"size": data.size, "finite": finite.sum(), "nan": da.isnan(data).sum(),
                 "infinite": da.isinf(data).sum(), "min": da.nanmin(clean), "max": da.nanmax(clean),
                 "sum": da.nansum(clean.astype("float64")),
                 "low": ((data < var.min) & finite).sum() if var.min is not None else 0,
                 "high": ((data > var.max) & finite).sum() if var.max is not None else 0,
                 "below_physical": ((data < var.physical_min) & finite).sum() if var.physical_min is not None else 0,
                 "above_physical": ((data > var.physical_max) & finite).sum() if var.physical_max is not None else 0}
        if mask_name and mask_name in ds:
            mask = ds[mask_name].broadcast_like(arr).data
            sea = da.isfinite(mask) & (da.nan_to_num(mask).astype(int) & 1 == 1)
            entry["sea"] = sea.sum()
            entry["nan_sea"] = (da.isnan(data) & sea).sum()
        lazy[var.name] = entry
    if spec.speed and all(spec.speed[k] in ds for k in ("u", "v")):
        speed = da.hypot(_as_float(ds[spec.speed["u"]].data), _as_float(ds[spec.speed["v"]].data))
        lazy["_fast"] = ((speed >= spec.speed["max"]) & da.isfinite(speed)).sum()
    (computed,) = dask.compute(lazy, scheduler="synchronous")  # one band at a time: bounded memory
    return computed, n_chunks


def _values_outcome(spec: ProductSpec, stats: dict[str, Any]) -> Outcome:
    """Same rule, wording and metadata as ``validate.check_values``."""
    counts: dict[str, rules.ValueCounts] = {}
    out: dict[str, dict[str, float]] = {}
    for var in spec.variables:
        s = stats.get(var.name)
        if s is None:
            continue
        if int(s["finite"]) == 0:
            if int(s["infinite"]):
                counts[var.name] = rules.ValueCounts(0, infinite=int(s["infinite"]))
            continue
        n = int(s["finite"])
        out[var.name] = {"min": float(s["min"]), "max": float(s["max"]), "mean": float(s["sum"]) / n}
        counts[var.name] = rules.ValueCounts(n, int(s["low"]), int(s["high"]), int(s["below_physical"]),
                                             int(s["above_physical"]), float(s["min"]), float(s["max"]),
                                             int(s["infinite"]))
    return rules.judge_values(spec, counts, int(stats.get("_fast", 0)), out)


def _nan_outcome(ds: xr.Dataset, spec: ProductSpec, stats: dict[str, Any]) -> Outcome:
    """Same rule, wording and metadata as ``validate.check_nan_fraction``."""
    fractions: dict[str, float] = {}
    for var in spec.variables:
        s = stats.get(var.name)
        if s is None:
            continue
        if s["size"] == 0 or int(s["nan"]) == s["size"]:
            return fail(rules.NAN_FRACTION, f"{var.name} is entirely NaN", severity="ERROR")
        if int(s.get("sea", 0)):
            fractions[var.name] = int(s["nan_sea"]) / int(s["sea"])
        else:
            fractions[var.name] = int(s["nan"]) / s["size"]
    over = {k: v for k, v in fractions.items() if v > spec.max_nan_fraction}
    basis = "of sea cells" if spec.land_mask_variable and spec.land_mask_variable in ds else "of cells"
    rounded = {k: round(v, 4) for k, v in fractions.items()}
    if over:
        detail = ", ".join(f"{k} {v:.1%}" for k, v in over.items())
        return fail(rules.NAN_FRACTION, f"NaN fraction {basis} above {spec.max_nan_fraction:.0%}: {detail}",
                    severity="WARN", nan_fraction=rounded)
    return ok(rules.NAN_FRACTION, f"NaN fraction {basis} within {spec.max_nan_fraction:.0%}",
              severity="WARN", nan_fraction=rounded)
