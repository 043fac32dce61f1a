"""Streaming daily aggregation: one hourly stamp at a time, never the whole day in memory.

A day reads the stamps D 00:00 .. D+1 00:00 (``windows``): instantaneous variables at D 00..23,
hourly accumulations at D 01..D+1 00, running totals at D 00 and D+1 00. Each stamp reads only
the variables whose window contains it. Memory is a fixed number of full-grid accumulators plus
``workers`` hourly stamps in flight, whatever the length of a backfill.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ocean_assets.core.conus404 import netcdf
from ocean_assets.core.conus404.options import Conus404Options, Limits
from ocean_assets.core.conus404.projection import LambertConformal, projected_axes, rotate_to_earth
from ocean_assets.core.conus404.windows import (
    HOURS_PER_DAY,
    WINDOW,
    Kind,
    day_stamps,
    offsets,
    producer_bucket_size,
    producer_kind,
    stamp_label,
)
from ocean_assets.core.retry import call_with_retry

OUTPUT_SUFFIX = {"mean": "mean", "sum": "sum", "min": "min", "max": "max", "bucket_diff": "daily"}
write_daily_netcdf = netcdf.write_daily_netcdf  # the asset's writer (CF-1.8 / ACDD-1.3)

Reader = Callable[[xr.Dataset, int, list[str]], dict[str, np.ndarray]]


def output_name(variable: str, agg: str) -> str:
    return f"{variable}_{OUTPUT_SUFFIX[agg]}"


def expected_hours(day: dt.date) -> np.ndarray:
    """Every stamp a day reads: D 00:00 .. D+1 00:00."""
    return day_stamps(day)


def day_slice(ds: xr.Dataset, day: dt.date) -> xr.Dataset:
    """The stamps a day reads (D 00:00 .. D+1 00:00) of a dataset with a ``time`` dim."""
    stamps = day_stamps(day).astype("datetime64[ns]")
    return ds.sel(time=slice(stamps[0], stamps[-1]))


def missing_hours(times: np.ndarray, day: dt.date, archive_end: dt.date | None = None) -> list[str]:
    """The stamps of ``day`` that ``times`` lacks, as 'HH:00' ('24:00' = D+1 00:00). On the
    archive's last day the closing stamp is not expected (it is beyond the archive)."""
    last = HOURS_PER_DAY - 1 if archive_end is not None and day >= archive_end else HOURS_PER_DAY
    present = set(offsets(times, day))
    return [stamp_label(h) for h in range(last + 1) if h not in present]


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class VariablePlan:
    """How one source variable becomes daily outputs."""

    name: str
    kind: Kind
    aggs: tuple[str, ...]
    counter: str | None = None
    bucket_size: float = 0.0

    @property
    def window(self) -> tuple[int, ...]:
        return WINDOW[self.kind]


def plan_variables(hourly: xr.Dataset, options: Conus404Options) -> dict[str, VariablePlan]:
    """Each configured variable's kind (from the producer's long_name, else the configured
    aggregation); a combination the producer's metadata contradicts is refused."""
    plans: dict[str, VariablePlan] = {}
    for var, aggs in options.aggregation.items():
        attrs = hourly[var].attrs
        implied = (Kind.TOTAL if "bucket_diff" in aggs
                   else Kind.HOURLY if "sum" in aggs else Kind.INSTANT)
        kind = producer_kind(attrs) or implied
        where = f"conus404.yaml: aggregation.{var}: {list(aggs)}"
        if kind is Kind.TOTAL and implied is not Kind.TOTAL:
            raise ValueError(f"{where}: the source says {var} is a running total "
                             f"({attrs.get('long_name')!r}); use bucket_diff")
        if kind is not Kind.TOTAL and "bucket_diff" in aggs:
            raise ValueError(f"{where}: bucket_diff needs a running total, but the source says {var} "
                             f"is of kind {kind.value!r} "
                             f"({attrs.get('long_name', attrs.get('description', ''))!r})")
        if "sum" in aggs and kind is not Kind.HOURLY:
            raise ValueError(f"{where}: the sum of instantaneous samples is not a daily amount "
                             f"({var}: {attrs.get('long_name', attrs.get('description', ''))!r})")
        counter, size = options.buckets.get(var, (None, 0.0))
        stated = producer_bucket_size(attrs)
        if kind is Kind.TOTAL and stated is not None and counter and stated != size:
            raise ValueError(f"conus404.yaml: buckets.{var}.size is {size:g}, but the source states "
                             f"a bucket of {stated:g} ({attrs.get('long_name')!r})")
        plans[var] = VariablePlan(var, kind, tuple(aggs), counter if kind is Kind.TOTAL else None,
                                  size)
    return plans


@dataclass(frozen=True)
class WindRotation:
    """WRF's COSALPHA / SINALPHA for the day's grid, or None when the winds stay grid-relative."""

    cosalpha: np.ndarray | None
    sinalpha: np.ndarray | None
    how: str

    @property
    def earth_relative(self) -> bool:
        return self.cosalpha is not None


GRID_TOLERANCE_DEG = 1e-3  # a projection whose grid lies further from the source's lat/lon is not its own


@dataclass(frozen=True)
class ModelGrid:
    """The projection that describes the source's lat/lon (None: none does), with x/y axes."""

    projection: LambertConformal | None
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    note: str = ""


def model_grid(hourly: xr.Dataset, options: Conus404Options) -> ModelGrid:
    """The store's own projection attributes when it carries them, else the configured one,
    provided it reproduces the store's lat/lon."""
    projection = LambertConformal.from_wrf_attrs(hourly.attrs) or options.projection
    if projection is None:
        return ModelGrid(None, note="no projection (the source has no WRF projection attributes "
                                    "and none is configured)")
    x, y, error = projected_axes(projection, np.asarray(hourly["lat"].values),
                                 np.asarray(hourly["lon"].values))
    if not error <= GRID_TOLERANCE_DEG:
        return ModelGrid(None, note=f"the projection does not describe the source's lat/lon "
                                    f"(off by up to {error:.3g} degrees)")
    return ModelGrid(projection, x, y)


def wind_rotation(hourly: xr.Dataset, options: Conus404Options, grid: ModelGrid) -> WindRotation:
    if not options.rotate_winds:
        return WindRotation(None, None, "not rotated (winds.rotate_to_earth is false)")
    if "COSALPHA" in hourly.variables and "SINALPHA" in hourly.variables:
        cos_da, sin_da = (hourly[n].isel(time=0) if "time" in hourly[n].dims else hourly[n]
                          for n in ("COSALPHA", "SINALPHA"))
        return WindRotation(np.asarray(cos_da.values, np.float64), np.asarray(sin_da.values, np.float64),
                            "rotated with the store's COSALPHA/SINALPHA")
    if grid.projection is None:
        return WindRotation(None, None, f"not rotated: no COSALPHA/SINALPHA and {grid.note}")
    projection = grid.projection
    cos_, sin_ = projection.rotation(np.asarray(hourly["lat"].values), np.asarray(hourly["lon"].values))
    return WindRotation(cos_, sin_, "rotated with WRF's Lambert conformal rotation (cone "
                        f"{projection.cone:.6f}, STAND_LON {projection.stand_lon:g})")


# --------------------------------------------------------------------------- reading


def read_hour(hourly: xr.Dataset, index: int, variables: list[str]) -> dict[str, np.ndarray]:
    """Load one hourly stamp (one chunk per variable) into numpy arrays."""
    step = hourly[variables].isel(time=index).compute(scheduler="synchronous")
    return {name: np.asarray(step[name].values) for name in variables}


def iter_hours(hourly: xr.Dataset, jobs: Sequence[tuple[int, list[str]]], workers: int,
               read: Reader | None = None) -> Iterator[dict[str, np.ndarray]]:
    """Yield each job's arrays (time index, variables) in order, at most ``workers`` at once."""
    read = read or read_hour
    if workers <= 1:
        for index, names in jobs:
            yield read(hourly, index, names)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="conus404-read") as pool:
        pending: deque[Future[dict[str, np.ndarray]]] = deque()
        for index, names in jobs:
            pending.append(pool.submit(read, hourly, index, names))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# --------------------------------------------------------------------------- accumulating


@dataclass
class QcStats:
    """Counts over every value a day read of one variable (the rules judge these).

    ``count`` is every value that is not NaN (missing); ``infinite`` the +-inf among them, which no
    model writes (the declared fill is NaN once decoded): physically impossible, never "missing".
    ``impossible``/``implausible``/``min``/``max`` are over the finite values."""

    count: int = 0
    impossible: int = 0
    implausible: int = 0
    min: float = float("nan")
    max: float = float("nan")
    infinite: int = 0

    def add(self, a: np.ndarray, impossible: Limits | None, plausible: Limits | None) -> None:
        isfinite = np.isfinite(a)
        infinite = int(np.count_nonzero(np.isinf(a)))
        self.infinite += infinite
        self.count += infinite
        finite = a[isfinite]
        if not finite.size:
            return
        self.count += int(finite.size)
        self.impossible += _outside(finite, impossible)
        self.implausible += _outside(finite, plausible)
        lo, hi = float(finite.min()), float(finite.max())
        self.min = lo if np.isnan(self.min) else min(self.min, lo)
        self.max = hi if np.isnan(self.max) else max(self.max, hi)


def _outside(a: np.ndarray, limits: Limits | None) -> int:
    if limits is None:
        return 0
    bad = np.zeros(a.shape, bool)
    if limits.min is not None:
        bad |= a < limits.min
    if limits.max is not None:
        bad |= a > limits.max
    return int(np.count_nonzero(bad))


@dataclass
class DailyAccumulator:
    """Running sums / extremes / totals over the day's stamps; ``finish`` gives the fields."""

    plans: Mapping[str, VariablePlan]
    impossible: Mapping[str, Limits] = field(default_factory=dict)
    plausible: Mapping[str, Limits] = field(default_factory=dict)
    rotation: WindRotation | None = None
    wind_pairs: Sequence[tuple[str, str]] = ()
    seen: dict[str, list[int]] = field(default_factory=dict)
    sums: dict[str, np.ndarray] = field(default_factory=dict)
    mins: dict[str, np.ndarray] = field(default_factory=dict)
    maxs: dict[str, np.ndarray] = field(default_factory=dict)
    totals: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    qc: dict[str, QcStats] = field(default_factory=dict)

    def needs(self, offset: int) -> list[str]:
        """The source variables (bucket counters included) the stamp D+offset is read for."""
        names: list[str] = []
        for plan in self.plans.values():
            if offset in plan.window:
                names.append(plan.name)
                if plan.counter:
                    names.append(plan.counter)
        return names

    def add(self, offset: int, arrays: Mapping[str, np.ndarray]) -> None:
        arrays = self._earth_relative(arrays)
        for var, plan in self.plans.items():
            if offset not in plan.window or var not in arrays:
                continue
            self.seen.setdefault(var, []).append(offset)
            a = arrays[var]
            if plan.kind is Kind.TOTAL:
                total = a.astype(np.float64)
                if plan.counter:
                    total = total + arrays[plan.counter].astype(np.float64) * plan.bucket_size
                self.totals.setdefault(var, {})[offset] = total
                continue
            # every variable is counted (an infinity is impossible whatever its limits)
            self.qc.setdefault(var, QcStats()).add(a, self.impossible.get(var), self.plausible.get(var))
            if {"mean", "sum"} & set(plan.aggs):
                if var in self.sums:
                    np.add(self.sums[var], a, out=self.sums[var])
                else:
                    self.sums[var] = a.astype(np.float64)
            if "min" in plan.aggs:
                self.mins[var] = np.minimum(self.mins[var], a) if var in self.mins else a.copy()
            if "max" in plan.aggs:
                self.maxs[var] = np.maximum(self.maxs[var], a) if var in self.maxs else a.copy()

    def _earth_relative(self, arrays: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
        rot = self.rotation
        if rot is None or rot.cosalpha is None or rot.sinalpha is None:  # not earth_relative
            return arrays
        out = dict(arrays)
        for x, y in self.wind_pairs:
            if x in out and y in out:
                u, v = rotate_to_earth(out[x].astype(np.float64), out[y].astype(np.float64),
                                       rot.cosalpha, rot.sinalpha)
                out[x], out[y] = u.astype(np.float32), v.astype(np.float32)
        return out

    def missing(self, var: str) -> list[int]:
        present = set(self.seen.get(var, []))
        return [h for h in self.plans[var].window if h not in present]

    def finish(self) -> dict[str, np.ndarray]:
        """The daily fields of every variable whose window is usable (see ``withheld``)."""
        out: dict[str, np.ndarray] = {}
        for var, plan in self.plans.items():
            n = len(self.seen.get(var, []))
            if n == 0 or (plan.kind is not Kind.INSTANT and self.missing(var)):
                continue  # withheld: an accumulation needs its whole window
            for agg in plan.aggs:
                if agg == "mean":
                    field_ = (self.sums[var] / n).astype(np.float32)
                elif agg == "sum":
                    field_ = self.sums[var].astype(np.float32)
                elif agg == "min":
                    field_ = self.mins[var]
                elif agg == "max":
                    field_ = self.maxs[var]
                else:
                    first, last = self.totals[var][0], self.totals[var][HOURS_PER_DAY]
                    diff = last - first
                    # an infinite running total is impossible even where inf - inf gives NaN
                    judged = np.where(np.isinf(first) | np.isinf(last), np.inf, diff)
                    self.qc.setdefault(var, QcStats()).add(judged, self.impossible.get(var),
                                                           self.plausible.get(var))
                    field_ = diff.astype(np.float32)
                out[output_name(var, agg)] = field_
        return out


# --------------------------------------------------------------------------- the day


def aggregate_day(
    hourly: xr.Dataset,
    day: dt.date,
    options: Conus404Options,
    read: Reader | None = None,
    sleep: Callable[[float], None] | None = None,
) -> xr.Dataset:
    """Aggregate the stamps of ``day`` (already selected: D 00:00 .. D+1 00:00) into one daily
    dataset. Each read is retried with exponential backoff (``options.backoff``); at most
    ``options.max_concurrent_reads`` reads run at once."""
    if hourly.sizes.get("time", 0) == 0:
        raise ValueError(f"the source has no hourly steps for {day}")
    missing = [v for v in options.input_variables if v not in hourly.data_vars]
    if missing:
        raise ValueError(f"the source lacks variables {missing}")
    plans = plan_variables(hourly, options)
    base_read = read or read_hour
    pause = sleep or time.sleep

    def read_with_retry(ds: xr.Dataset, i: int, names: list[str]) -> dict[str, np.ndarray]:
        return call_with_retry(lambda: base_read(ds, i, names), options.backoff, sleep=pause)

    grid = model_grid(hourly, options)
    rotation = wind_rotation(hourly, options, grid)
    acc = DailyAccumulator(plans, options.impossible, options.plausibility, rotation,
                           options.wind_pairs)
    hours = (np.asarray(hourly["time"].values).astype("datetime64[h]")
             - day_stamps(day)[0]).astype(np.int64)
    jobs = [(i, acc.needs(int(h))) for i, h in enumerate(hours) if acc.needs(int(h))]
    for (i, _), arrays in zip(jobs, iter_hours(hourly, jobs, options.max_concurrent_reads,
                                              read_with_retry), strict=True):
        acc.add(int(hours[i]), arrays)
    return build_daily_dataset(hourly, day, acc, options, rotation, grid)


def withheld(acc: DailyAccumulator, day: dt.date, archive_end: dt.date) -> dict[str, str]:
    """Output name -> why an accumulated output is not in the file (its window is incomplete)."""
    out: dict[str, str] = {}
    for var, plan in acc.plans.items():
        gaps = acc.missing(var)
        if plan.kind is Kind.INSTANT and len(gaps) < len(plan.window):
            continue
        if not gaps:
            continue
        if gaps == [HOURS_PER_DAY] and day >= archive_end:
            reason = (f"the archive ends at {archive_end}T23:00Z: the stamp "
                      f"{day + dt.timedelta(days=1)}T00:00Z, which closes the day's accumulation "
                      f"window, does not exist")
        else:
            reason = "the source lacks the stamps " + ", ".join(stamp_label(h) for h in gaps)
        for agg in plan.aggs:
            out[output_name(var, agg)] = reason
    return out


def build_daily_dataset(hourly: xr.Dataset, day: dt.date, acc: DailyAccumulator,
                        options: Conus404Options, rotation: WindRotation, grid: ModelGrid
                        ) -> xr.Dataset:
    dims = ("time", "south_north", "west_east")
    fields = acc.finish()
    wind_index = {name: i for pair in options.wind_pairs for i, name in enumerate(pair)}
    rotated = {name for pair in options.wind_pairs if set(pair) <= set(acc.plans) for name in pair}
    data_vars = {}
    for var, plan in acc.plans.items():
        src = hourly[var].attrs
        component = wind_index.get(var)
        earth = rotation.earth_relative and var in rotated  # both components are needed
        standard_name, long_name = netcdf.names(var, component, earth)
        for agg in plan.aggs:
            name = output_name(var, agg)
            if name not in fields:
                continue
            attrs: dict = {
                "long_name": f"daily {OUTPUT_SUFFIX[agg]} of {long_name}",
                "units": src.get("units", ""),
                "cell_methods": netcdf.cell_methods(plan.kind, agg),
                "comment": netcdf.window_comment(plan.kind, agg, day, len(acc.seen[var]), var,
                                                 plan.counter, plan.bucket_size,
                                                 str(src.get("units", ""))),
                "description": str(src.get("description", var)),
                "source_variable": var,
                "samples": len(acc.seen[var]),
            }
            if standard_name:
                attrs["standard_name"] = standard_name
            if component is not None:
                attrs["wind_rotation"] = (rotation.how if earth or not rotation.earth_relative
                                          else "not rotated: its partner component is not aggregated")
            stats = acc.qc.get(var)
            if stats is not None:
                attrs.update(qc_values=stats.count, qc_impossible=stats.impossible,
                             qc_implausible=stats.implausible, qc_infinite=stats.infinite,
                             qc_min=stats.min, qc_max=stats.max)
            if grid.projection is not None:
                attrs["grid_mapping"] = netcdf.GRID_MAPPING
            data_vars[name] = (dims, fields[name][np.newaxis], attrs)
    coords: dict = {
        "time": ("time", np.array([np.datetime64(day.isoformat(), "ns")])),
        "lat": netcdf.coordinate(np.asarray(hourly["lat"].values), hourly["lat"].attrs),
        "lon": netcdf.coordinate(np.asarray(hourly["lon"].values), hourly["lon"].attrs),
    }
    if grid.projection is not None and grid.x is not None and grid.y is not None:
        coords.update(netcdf.grid_coordinates(grid.projection, grid.x, grid.y))
    ds = xr.Dataset(data_vars, coords=coords)
    stamps = offsets(hourly["time"].values, day)
    gone = withheld(acc, day, options.archive_end)
    title = str(hourly.attrs.get("title", "")).strip()
    ds.attrs = {
        "title": f"CONUS404 daily aggregates {day.isoformat()}",
        "summary": "Daily mean, minimum and maximum of instantaneous CONUS404 fields over the 24 "
                   "hourly samples of the UTC day, and daily amounts of accumulated fields over "
                   "the 24 hours ending at the day's 01:00 .. next day's 00:00 UTC stamps.",
        "source": "CONUS404 hourly WRF output (NCAR/USGS), Planetary Computer collection conus404"
                  + (f"; {title}" if title else ""),
        "id": f"conus404_daily_{day:%Y%m%d}",
        "n_hours": sum(1 for h in stamps if h < HOURS_PER_DAY),
        "hours_present": ",".join(f"{h:02d}" for h in stamps),
        "instantaneous_window": f"hourly samples {netcdf.iso(day, 0)} .. {netcdf.iso(day, 23)}",
        "accumulation_window": f"the 24 hours ending {netcdf.iso(day, 1)} .. {netcdf.iso(day, 24)}",
        "wind_rotation": rotation.how,
    }
    if hourly.attrs.get("license"):
        ds.attrs["license"] = str(hourly.attrs["license"])
    if grid.note:
        ds.attrs["grid_mapping_note"] = grid.note
    if gone:
        ds.attrs["withheld_variables"] = " ".join(gone)
        ds.attrs["withheld_reason"] = "; ".join(dict.fromkeys(gone.values()))
    return ds
