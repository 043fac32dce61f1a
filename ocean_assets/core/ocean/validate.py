"""Validation rules for daily ocean NetCDF files, shared by asset checks, the CLI and tests.

Each rule returns an ``Outcome``. ``integrity`` is first: when a file does not open, the other
rules are recorded as failed with the reason, so a broken file never looks half-good.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.outcome import Outcome, fail, ok

INTEGRITY = "integrity"
SCHEMA = "schema"
COORDINATES = "coordinates"
TIME = "time"
UNITS = "units"
VALUES = "values"
NAN_FRACTION = "nan_fraction"
# VALUES and NAN_FRACTION are soft: a failure is a WARN unless said otherwise (an all-NaN field,
# physically impossible values, +-inf included, or more than half of a field outside its plausible
# range are ERRORs).
RULES = (INTEGRITY, SCHEMA, COORDINATES, TIME, UNITS, VALUES, NAN_FRACTION)

NETCDF_MAGIC = (b"\x89HDF\r\n\x1a\n", b"CDF\x01", b"CDF\x02", b"CDF\x05")
LAT_UNITS = ("degrees_north", "degree_north", "degrees_N", "degree_N", "degreesN")
LON_UNITS = ("degrees_east", "degree_east", "degrees_E", "degree_E", "degreesE")


def hdf5_declared_size(head: bytes) -> int | None:
    """The end-of-file address an HDF5 superblock (at offset 0) declares; None if unreadable.

    A file shorter than this lost its tail: the HDF5 library may still open it and read every
    variable when the missing bytes held only free space or late metadata, so check it directly.
    """
    if not head.startswith(b"\x89HDF\r\n\x1a\n") or len(head) < 16:
        return None
    version = head[8]
    if version in (0, 1):
        size_of_offsets = head[13]
        base = 24 if version == 0 else 28
    elif version in (2, 3):
        size_of_offsets = head[9]
        base = 12
    else:
        return None
    start = base + 2 * size_of_offsets
    if size_of_offsets not in (2, 4, 8) or len(head) < start + size_of_offsets:
        return None
    return int.from_bytes(head[start:start + size_of_offsets], "little")


def open_checked(path: Path) -> tuple[xr.Dataset | None, Outcome]:
    """Open ``path`` and read every variable once; the integrity outcome says why not."""
    path = Path(path)
    if not path.exists():
        return None, fail(INTEGRITY, f"file does not exist: {path}")
    size = path.stat().st_size
    if size == 0:
        return None, fail(INTEGRITY, "file is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(64)
    if not any(head.startswith(m) for m in NETCDF_MAGIC):
        return None, fail(INTEGRITY, "not a NetCDF file (no NetCDF/HDF5 signature)", size_bytes=size)
    declared = hdf5_declared_size(head)
    if declared is not None and size < declared:
        return None, fail(INTEGRITY, f"file is truncated: {size} of {declared} bytes", size_bytes=size,
                          declared_bytes=declared)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = xr.open_dataset(path, engine="netcdf4", cache=False).load()
    except Exception as exc:  # netCDF4 raises OSError/RuntimeError/ValueError variously
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, fail(INTEGRITY, f"file does not open or is truncated: {reason}", size_bytes=size)
    return ds, ok(INTEGRITY, "opens and reads completely", size_bytes=size)


def _not_evaluated(rule: str, why: str) -> Outcome:
    return fail(rule, f"not evaluated: {why}")


def check_schema(ds: xr.Dataset, spec: ProductSpec) -> Outcome:
    missing_vars = [v for v in spec.variable_names if v not in ds.data_vars]
    if missing_vars:
        return fail(SCHEMA, f"missing required variable(s): {', '.join(missing_vars)}",
                    found=sorted(map(str, ds.data_vars)))
    problems = []
    for name in spec.variable_names:
        dims = tuple(map(str, ds[name].dims))
        if dims != spec.dims:
            problems.append(f"{name} has dims {dims}, expected {spec.dims}")
    if problems:
        return fail(SCHEMA, "; ".join(problems))
    return ok(SCHEMA, f"variables {', '.join(spec.variable_names)} with dims {', '.join(spec.dims)}")


def _monotonic(values: np.ndarray) -> bool:
    if values.size < 2:
        return True
    diff = np.diff(values)
    return bool(np.all(diff > 0) or np.all(diff < 0))


def check_coordinates(ds: xr.Dataset, spec: ProductSpec) -> Outcome:
    problems = []
    for coord in (spec.lat, spec.lon):
        if coord not in ds.coords:
            problems.append(f"coordinate {coord} missing")
    if problems:
        return fail(COORDINATES, "; ".join(problems))
    lat = np.asarray(ds[spec.lat].values, dtype=float)
    lon = np.asarray(ds[spec.lon].values, dtype=float)
    if lat.size == 0 or lon.size == 0:
        return fail(COORDINATES, "empty latitude or longitude axis")
    if not np.all(np.isfinite(lat)) or not np.all(np.isfinite(lon)):
        return fail(COORDINATES, "non-finite latitude or longitude values")
    if lat.min() < -90 or lat.max() > 90:
        problems.append(f"latitude outside -90..90 ({lat.min():.3f}..{lat.max():.3f})")
    if lon.min() < -180 or lon.max() > 360:
        problems.append(f"longitude outside -180..360 ({lon.min():.3f}..{lon.max():.3f})")
    for name, values in ((spec.lat, lat), (spec.lon, lon)):
        if not _monotonic(values):
            problems.append(f"{name} is not strictly monotonic")
    region, tol = spec.region, 1.0
    if lat.min() < region.min_lat - tol or lat.max() > region.max_lat + tol:
        problems.append(
            f"latitude {lat.min():.2f}..{lat.max():.2f} outside the configured region "
            f"{region.min_lat}..{region.max_lat}")
    lon180 = ((lon + 180) % 360) - 180
    if lon180.min() < region.min_lon - tol or lon180.max() > region.max_lon + tol:
        problems.append(
            f"longitude {lon180.min():.2f}..{lon180.max():.2f} outside the configured region "
            f"{region.min_lon}..{region.max_lon}")
    if spec.depth is not None and "depth" in ds.coords:
        depth = np.asarray(ds["depth"].values, dtype=float)
        if depth.size == 0 or depth.min() < spec.depth[0] or depth.max() > spec.depth[1]:
            problems.append(f"depth {depth.tolist()} outside {spec.depth[0]}..{spec.depth[1]} m")
    if problems:
        return fail(COORDINATES, "; ".join(problems))
    return ok(COORDINATES, f"lat {lat.min():.2f}..{lat.max():.2f}, lon {lon.min():.2f}..{lon.max():.2f}",
              shape=[int(lat.size), int(lon.size)])


def check_time(ds: xr.Dataset, day: dt.date | None) -> Outcome:
    if "time" not in ds.coords:
        return fail(TIME, "no time coordinate")
    values = ds["time"].values
    if not np.issubdtype(values.dtype, np.datetime64):
        return fail(TIME, f"time is not decodable as dates (units {ds['time'].attrs.get('units')!r})")
    if values.size != 1:
        return fail(TIME, f"expected exactly one daily time step, found {values.size}",
                    times=[str(v)[:19] for v in values[:5]])
    stamp = values[0].astype("datetime64[s]").astype(dt.datetime)
    if day is not None and stamp.date() != day:
        return fail(TIME, f"time {stamp:%Y-%m-%dT%H:%M} is not in partition day {day}")
    return ok(TIME, f"single step at {stamp:%Y-%m-%dT%H:%M}")


def check_units(ds: xr.Dataset, spec: ProductSpec) -> Outcome:
    problems = []
    for var in spec.variables:
        if var.name not in ds:
            continue
        units = ds[var.name].attrs.get("units")
        if units is None:
            problems.append(f"{var.name} has no units attribute")
        elif str(units) not in spec.accepted_units(var.units):
            problems.append(f"{var.name} units {units!r}, expected {var.units!r}")
    for coord, accepted in ((spec.lat, LAT_UNITS), (spec.lon, LON_UNITS)):
        if coord in ds.coords:
            units = ds[coord].attrs.get("units")
            if units is not None and str(units) not in accepted:
                problems.append(f"{coord} units {units!r}, expected {accepted[0]!r}")
    if problems:
        return fail(UNITS, "; ".join(problems))
    return ok(UNITS, ", ".join(f"{v.name} [{v.units}]" for v in spec.variables))


# More than this fraction of the valid cells outside the plausible range is a unit or scale error
# (cm/s labelled m s-1, degrees C labelled K), not a few odd cells: ERROR.
MOSTLY_OUTSIDE = 0.5


class _Fields:
    """Each required variable's values and finite-value mask, computed once per file."""

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self._cache:
            data = np.asarray(self._ds[name].values)
            if not np.issubdtype(data.dtype, np.floating):
                data = data.astype("float64")
            self._cache[name] = (data, np.isfinite(data))
        return self._cache[name]


@dataclass(frozen=True)
class ValueCounts:
    """How many finite cells of one variable fall outside its plausible and physical ranges.

    ``infinite`` counts +-inf cells: the declared fill is already NaN once decoded, so an infinity
    is a value no instrument produces (physically impossible), never a missing value."""

    finite: int
    low: int = 0            # below the plausible min
    high: int = 0           # above the plausible max
    below_physical: int = 0
    above_physical: int = 0
    min: float = float("nan")
    max: float = float("nan")
    infinite: int = 0


def judge_values(spec: ProductSpec, counts: dict[str, ValueCounts], fast: int,
                 stats: dict[str, dict[str, float]]) -> Outcome:
    """The values rule from per-variable counts (shared by the in-memory and chunked validators).

    ERROR (blocks downstream): any cell beyond the variable's physical limits, which no instrument
    can produce (below absolute zero, pH outside 0..14, a negative number of particles), any
    +-inf cell (not a fill value once decoded: impossible), or more than half of the valid cells
    outside the plausible range (a unit or scale error). WARN: some cells outside the plausible
    range, or currents faster than the configured speed."""
    errors: list[str] = []
    warnings_: list[str] = []
    for var in spec.variables:
        c = counts.get(var.name)
        if c is None or c.finite + c.infinite == 0:
            continue  # an all-NaN field is reported by nan_fraction
        if c.infinite:
            errors.append(f"{var.name}: {c.infinite} of {c.finite + c.infinite} values infinite (+-inf), "
                          f"physically impossible and not the declared fill")
        if c.finite == 0:
            continue
        extremes = f"(min {c.min:.4g}, max {c.max:.4g})"
        impossible = c.below_physical + c.above_physical
        outside = c.low + c.high
        if impossible:
            errors.append(f"{var.name}: {impossible} of {c.finite} values physically impossible, outside "
                          f"{_bound(var.physical_min)}..{_bound(var.physical_max)} {var.units} {extremes}")
        elif outside == c.finite:
            errors.append(f"{var.name}: all {c.finite} values outside the plausible range "
                          f"{var.min}..{var.max} {var.units} {extremes}")
        elif outside > MOSTLY_OUTSIDE * c.finite:
            errors.append(f"{var.name}: {outside} of {c.finite} values ({outside / c.finite:.1%}) outside the "
                          f"plausible range {var.min}..{var.max} {var.units}, more than "
                          f"{MOSTLY_OUTSIDE:.0%}: wrong units or scale? {extremes}")
        elif outside:
            warnings_.append(f"{var.name}: {c.low + c.high} of {c.finite} values outside {var.min}..{var.max} "
                             f"{extremes}")
    if fast and spec.speed:
        warnings_.append(f"{fast} cells with current speed >= {spec.speed['max']} m/s")
    if errors:
        return fail(VALUES, "; ".join(errors + warnings_), severity="ERROR", stats=stats)
    if warnings_:
        return fail(VALUES, "; ".join(warnings_), severity="WARN", stats=stats)
    return ok(VALUES, "all values plausible", severity="WARN", stats=stats)


def _below(values: np.ndarray, limit: float | None) -> int:
    return int(np.count_nonzero(values < limit)) if limit is not None else 0


def _above(values: np.ndarray, limit: float | None) -> int:
    return int(np.count_nonzero(values > limit)) if limit is not None else 0


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def check_values(ds: xr.Dataset, spec: ProductSpec, fields: _Fields | None = None) -> Outcome:
    fields = fields or _Fields(ds)
    counts: dict[str, ValueCounts] = {}
    stats: dict[str, dict[str, float]] = {}
    for var in spec.variables:
        if var.name not in ds:
            continue
        data, isfinite = fields.get(var.name)
        finite = data[isfinite]
        infinite = int(np.count_nonzero(np.isinf(data)))
        if finite.size == 0:
            if infinite:  # a field of +-inf is impossible, not "entirely NaN"
                counts[var.name] = ValueCounts(0, infinite=infinite)
            continue  # all NaN: reported by nan_fraction
        stats[var.name] = {"min": float(finite.min()), "max": float(finite.max()),
                           "mean": float(finite.mean())}
        counts[var.name] = ValueCounts(finite.size, _below(finite, var.min), _above(finite, var.max),
                                       _below(finite, var.physical_min), _above(finite, var.physical_max),
                                       float(finite.min()), float(finite.max()), infinite)
    fast = 0
    if spec.speed and all(spec.speed[k] in ds for k in ("u", "v")):
        u, _ = fields.get(spec.speed["u"])
        v, _ = fields.get(spec.speed["v"])
        speed = np.hypot(u, v)
        fast = int(np.count_nonzero(speed[np.isfinite(speed)] >= spec.speed["max"]))
    return judge_values(spec, counts, fast, stats)


def _sea_mask(ds: xr.Dataset, spec: ProductSpec, var: str) -> np.ndarray | None:
    """True where the cell is sea, from the product's land mask variable (OSTIA: bit 1 = sea)."""
    name = spec.land_mask_variable
    if not name or name not in ds:
        return None
    mask = np.asarray(ds[name].broadcast_like(ds[var]).values)
    if np.issubdtype(mask.dtype, np.integer):
        return (mask & 1) == 1
    # decoded with a fill value the mask is float: NaN is "not sea"; no int64 copy of a 26M-cell grid
    with np.errstate(invalid="ignore"):
        return np.fmod(mask, 2) == 1


def check_nan_fraction(ds: xr.Dataset, spec: ProductSpec, fields: _Fields | None = None) -> Outcome:
    fields = fields or _Fields(ds)
    fractions: dict[str, float] = {}
    for var in spec.variables:
        if var.name not in ds:
            continue
        data, _ = fields.get(var.name)
        nan = np.isnan(data)  # NaN only: +-inf is judged by the values rule
        if data.size == 0 or nan.all():
            return fail(NAN_FRACTION, f"{var.name} is entirely NaN", severity="ERROR")
        sea = _sea_mask(ds, spec, var.name)
        if sea is not None and sea.any():
            fractions[var.name] = float(np.count_nonzero(nan & sea) / np.count_nonzero(sea))
        else:
            fractions[var.name] = float(nan.mean())
    over = {k: v for k, v in fractions.items() if v > spec.max_nan_fraction}
    basis = "of sea cells" if spec.land_mask_variable and spec.land_mask_variable in ds else "of cells"
    rounded = {k: round(v, 4) for k, v in fractions.items()}
    if over:
        detail = ", ".join(f"{k} {v:.1%}" for k, v in over.items())
        return fail(NAN_FRACTION, f"NaN fraction {basis} above {spec.max_nan_fraction:.0%}: {detail}",
                    severity="WARN", nan_fraction=rounded)
    return ok(NAN_FRACTION, f"NaN fraction {basis} within {spec.max_nan_fraction:.0%}",
              severity="WARN", nan_fraction=rounded)


def validate_dataset(ds: xr.Dataset, spec: ProductSpec, day: dt.date | None = None) -> list[Outcome]:
    """Every rule but integrity, on an opened dataset."""
    fields = _Fields(ds)
    return [
        check_schema(ds, spec),
        check_coordinates(ds, spec),
        check_time(ds, day),
        check_units(ds, spec),
        check_values(ds, spec, fields),
        check_nan_fraction(ds, spec, fields),
    ]


def validate_file(path: Path, spec: ProductSpec, day: dt.date | None = None) -> list[Outcome]:
    """All rules on one file, integrity first; one ``Outcome`` per rule in ``RULES`` order."""
    ds, integrity = open_checked(Path(path))
    if ds is None:
        why = f"integrity failed ({integrity.message})"
        return [integrity, *(_not_evaluated(rule, why) for rule in RULES[1:])]
    try:
        return [integrity, *validate_dataset(ds, spec, day)]
    finally:
        ds.close()


def guess_product(path: Path, products: dict[str, ProductSpec]) -> ProductSpec | None:
    """The product a file belongs to, from its name (``{product}_{YYYYMMDD}.nc``)."""
    stem = Path(path).name
    for name in sorted(products, key=len, reverse=True):
        if stem.startswith(f"{name}_"):
            return products[name]
    return None


def day_from_name(path: Path) -> dt.date | None:
    import re

    m = re.search(r"_(\d{8})\.nc$", Path(path).name)
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    except ValueError:
        return None
