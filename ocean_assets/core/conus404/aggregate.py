"""Streaming daily aggregation: one hourly step at a time, never the whole day in memory.

Memory is a fixed number of full-grid accumulators (sums, mins, maxes, two bucket totals) plus
``workers`` hourly steps in flight, whatever the length of a backfill.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ocean_assets.core.conus404.options import Conus404Options
from ocean_assets.core.retry import call_with_retry

HOURS_PER_DAY = 24
CELL_METHODS = {
    "mean": "time: mean",
    "sum": "time: sum",
    "min": "time: minimum",
    "max": "time: maximum",
    "bucket_diff": "time: sum (difference of accumulated totals)",
}
OUTPUT_SUFFIX = {"mean": "mean", "sum": "sum", "min": "min", "max": "max", "bucket_diff": "daily"}


def output_name(variable: str, agg: str) -> str:
    return f"{variable}_{OUTPUT_SUFFIX[agg]}"


def expected_hours(day: dt.date) -> np.ndarray:
    start = np.datetime64(day.isoformat(), "h")
    return start + np.arange(HOURS_PER_DAY).astype("timedelta64[h]")


def day_slice(ds: xr.Dataset, day: dt.date) -> xr.Dataset:
    """The hourly steps of one UTC day (00:00 .. 23:00) of a dataset with a ``time`` dim."""
    start = np.datetime64(day.isoformat(), "ns")
    end = start + np.timedelta64(23 * 3600, "s")
    return ds.sel(time=slice(start, end))


def missing_hours(times: np.ndarray, day: dt.date) -> list[str]:
    """The expected hourly stamps of ``day`` that ``times`` lacks, as 'HH:00'."""
    present = set(np.asarray(times).astype("datetime64[h]").tolist())
    return [f"{t.astype(dt.datetime):%H}:00" for t in expected_hours(day)
            if t.astype(dt.datetime) not in present]


def iter_hours(
    hourly: xr.Dataset,
    variables: list[str],
    workers: int,
    read: Callable[[xr.Dataset, int, list[str]], dict[str, np.ndarray]] | None = None,
) -> Iterator[dict[str, np.ndarray]]:
    """Yield each hourly step's arrays in time order, reading at most ``workers`` steps at once."""
    read = read or read_hour
    n = hourly.sizes["time"]
    if workers <= 1:
        for i in range(n):
            yield read(hourly, i, variables)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="conus404-read") as pool:
        pending: deque[Future[dict[str, np.ndarray]]] = deque()
        for i in range(n):
            pending.append(pool.submit(read, hourly, i, variables))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def read_hour(hourly: xr.Dataset, index: int, variables: list[str]) -> dict[str, np.ndarray]:
    """Load one hourly step (one chunk per variable) into numpy arrays."""
    step = hourly[variables].isel(time=index).compute(scheduler="synchronous")
    return {name: np.asarray(step[name].values) for name in variables}


@dataclass
class DailyAccumulator:
    """Running sums / extremes over hourly steps; ``finish`` gives the daily fields."""

    aggregation: Mapping[str, tuple[str, ...]]
    buckets: Mapping[str, tuple[str, float]]
    watched: tuple[str, ...] = ()  # variables whose hourly extremes are kept (plausibility)
    count: int = 0
    sums: dict[str, np.ndarray] = field(default_factory=dict)
    mins: dict[str, np.ndarray] = field(default_factory=dict)
    maxs: dict[str, np.ndarray] = field(default_factory=dict)
    first_total: dict[str, np.ndarray] = field(default_factory=dict)
    last_total: dict[str, np.ndarray] = field(default_factory=dict)
    extremes: dict[str, list[float]] = field(default_factory=dict)

    def add(self, arrays: Mapping[str, np.ndarray]) -> None:
        for var, aggs in self.aggregation.items():
            a = arrays[var]
            if "mean" in aggs or "sum" in aggs:
                if var in self.sums:
                    np.add(self.sums[var], a, out=self.sums[var])
                else:
                    self.sums[var] = a.astype(np.float64)
            if "min" in aggs:
                if var in self.mins:
                    np.minimum(self.mins[var], a, out=self.mins[var])
                else:
                    self.mins[var] = a.copy()
            if "max" in aggs:
                if var in self.maxs:
                    np.maximum(self.maxs[var], a, out=self.maxs[var])
                else:
                    self.maxs[var] = a.copy()
            if "bucket_diff" in aggs:
                counter, size = self.buckets[var]
                total = a.astype(np.float64) + arrays[counter].astype(np.float64) * size
                self.first_total.setdefault(var, total)
                self.last_total[var] = total
        for var in self.watched:
            a = arrays[var]
            lo, hi = float(np.min(a)), float(np.max(a))
            cur = self.extremes.get(var)
            self.extremes[var] = [min(cur[0], lo), max(cur[1], hi)] if cur else [lo, hi]
        self.count += 1

    def finish(self) -> dict[str, np.ndarray]:
        if self.count == 0:
            raise ValueError("no hourly steps to aggregate")
        out: dict[str, np.ndarray] = {}
        for var, aggs in self.aggregation.items():
            for agg in aggs:
                if agg == "mean":
                    field_ = (self.sums[var] / self.count).astype(np.float32)
                elif agg == "sum":
                    field_ = self.sums[var].astype(np.float32)
                elif agg == "min":
                    field_ = self.mins[var]
                elif agg == "max":
                    field_ = self.maxs[var]
                else:
                    field_ = (self.last_total[var] - self.first_total[var]).astype(np.float32)
                out[output_name(var, agg)] = field_
        return out


def aggregate_day(
    hourly: xr.Dataset,
    day: dt.date,
    options: Conus404Options,
    read: Callable[[xr.Dataset, int, list[str]], dict[str, np.ndarray]] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> xr.Dataset:
    """Aggregate the hourly steps of ``day`` (already selected) into one daily dataset.

    Each hourly read is retried with exponential backoff (``options.backoff``); at most
    ``options.max_concurrent_reads`` reads run at once.
    """
    if hourly.sizes.get("time", 0) == 0:
        raise ValueError(f"the source has no hourly steps for {day}")
    missing = [v for v in options.input_variables if v not in hourly.data_vars]
    if missing:
        raise ValueError(f"the source lacks variables {missing}")
    base_read = read or read_hour
    retry_kwargs = {"sleep": sleep} if sleep is not None else {}

    def read_with_retry(ds: xr.Dataset, i: int, names: list[str]) -> dict[str, np.ndarray]:
        return call_with_retry(lambda: base_read(ds, i, names), options.backoff, **retry_kwargs)

    acc = DailyAccumulator(
        options.aggregation, options.buckets,
        watched=tuple(v for v in options.plausibility if v in options.aggregation),
    )
    for arrays in iter_hours(hourly, options.input_variables, options.max_concurrent_reads,
                             read_with_retry):
        acc.add(arrays)
    return build_daily_dataset(hourly, day, acc, options)


def build_daily_dataset(
    hourly: xr.Dataset, day: dt.date, acc: DailyAccumulator, options: Conus404Options
) -> xr.Dataset:
    dims = ("time", "south_north", "west_east")
    fields = acc.finish()
    data_vars = {}
    for var, aggs in options.aggregation.items():
        src_attrs = hourly[var].attrs
        for agg in aggs:
            name = output_name(var, agg)
            units = src_attrs.get("units", "")
            if agg == "bucket_diff":
                counter = options.buckets[var][0]
                desc = f"daily amount of {src_attrs.get('description', var)} ({var} + {counter} * bucket)"
            else:
                desc = f"daily {OUTPUT_SUFFIX[agg]} of {src_attrs.get('description', var)}"
            attrs = {"units": units, "description": desc, "cell_methods": CELL_METHODS[agg],
                     "source_variable": var}
            if var in acc.extremes:
                attrs["hourly_min"], attrs["hourly_max"] = acc.extremes[var]
            data_vars[name] = (dims, fields[name][np.newaxis], attrs)
    times = np.asarray(hourly["time"].values).astype("datetime64[h]")
    coords = {
        "time": ("time", np.array([np.datetime64(day.isoformat(), "ns")])),
        "lat": (("south_north", "west_east"), np.asarray(hourly["lat"].values), hourly["lat"].attrs),
        "lon": (("south_north", "west_east"), np.asarray(hourly["lon"].values), hourly["lon"].attrs),
    }
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs = {
        "title": f"CONUS404 daily aggregates {day.isoformat()}",
        "source": "CONUS404 hourly (Planetary Computer collection conus404)",
        "n_hours": int(acc.count),
        "hours_present": ",".join(f"{t.astype(dt.datetime):%H}" for t in times),
        "Conventions": "CF-1.8",
    }
    return ds


def write_daily_netcdf(ds: xr.Dataset, path: str, complevel: int) -> None:
    """Write without timestamps so re-running a day gives the same bytes."""
    enc = {name: ({"zlib": True, "complevel": complevel} if complevel else {})
           for name in ds.data_vars}
    ds.to_netcdf(path, engine="netcdf4", format="NETCDF4", encoding=enc)
