"""Benchmark: CONUS404 hourly -> daily on the full grid, streaming vs two baselines.

    .venv/bin/python -m bench.bench_conus404                # 1 day, 1015 x 1367 (about a minute)
    .venv/bin/python -m bench.bench_conus404 --days 3 --grid 1015x1367 --store /tmp/c404.zarr

A synthetic store with the CONUS404 layout (one zstd-compressed chunk per hour and variable) is
written once, then each approach runs in a fresh process (peak RSS is that process's own):
  streaming  the asset's code: stamp by stamp, bounded parallel reads, running sums/extremes
  naive      open the store for each stamp, concatenate the day, reduce with xarray
  numpy      bare numpy reductions over the day already in memory (the arithmetic limit)
Each reads the same values: the stamps of each variable's window (instantaneous D 00..23, hourly
amounts D 01..D+1 00, running totals D 00 and D+1 00).
Throughput is MB of hourly input per second; ratios are against the other two in this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

START = dt.date(2022, 9, 1)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def _days(n: int) -> list[dt.date]:
    return [START + dt.timedelta(days=i) for i in range(n)]


def _windows(ds, options) -> dict[str, tuple[int, ...]]:
    """Variable -> the hours after D 00:00 it is read at (the producer's windows, as the asset)."""
    from ocean_assets.core.conus404.aggregate import plan_variables

    out: dict[str, tuple[int, ...]] = {}
    for plan in plan_variables(ds, options).values():
        out[plan.name] = plan.window
        if plan.counter:
            out[plan.counter] = plan.window
    return out


def _stamp(day: dt.date, hour: int) -> np.datetime64:
    return np.datetime64(day.isoformat(), "ns") + np.timedelta64(hour, "h")


def run_streaming(store: str, days: int) -> dict[str, float]:
    from ocean_assets.core.conus404.aggregate import aggregate_day
    from ocean_assets.core.conus404.options import load_options
    from ocean_assets.sources.conus404 import ZarrStoreSource

    options, source = load_options(), ZarrStoreSource(store)
    windows = _windows(source.open_day(START), options)
    base, t0, nbytes = _rss_mb(), time.perf_counter(), 0
    for day in _days(days):
        hourly = source.open_day(day)
        nbytes += sum(hourly[v].isel(time=0).nbytes * len(w) for v, w in windows.items())
        aggregate_day(hourly, day, options)
    return {"seconds": time.perf_counter() - t0, "bytes": nbytes, "peak_mb": _peak_mb() - base}


def _reduce_xarray(stacks: dict, options) -> dict:
    out = {}
    for var, aggs in options.aggregation.items():
        for agg in aggs:
            if agg == "bucket_diff":
                counter, size = options.buckets[var]
                total = stacks[var].astype("float64")
                if counter:
                    total = total + stacks[counter].astype("float64") * size
                out[var + "_daily"] = total.isel(time=-1) - total.isel(time=0)
            else:
                out[f"{var}_{agg}"] = getattr(stacks[var], agg)("time")
    return {k: v.values for k, v in out.items()}


def run_naive(store: str, days: int) -> dict[str, float]:
    import xarray as xr

    from ocean_assets.core.conus404.options import load_options

    options = load_options()
    with xr.open_zarr(store) as ds:
        windows = _windows(ds, options)
    base, t0, nbytes = _rss_mb(), time.perf_counter(), 0
    for day in _days(days):
        hours: dict[str, list] = {v: [] for v in windows}
        for h in range(25):
            names = [v for v, w in windows.items() if h in w]
            with xr.open_zarr(store) as ds:
                step = ds[names].sel(time=_stamp(day, h)).load()
            for v in names:
                hours[v].append(step[v])
        stacks = {v: xr.concat(steps, dim="time") for v, steps in hours.items()}
        nbytes += sum(s.nbytes for s in stacks.values())
        _reduce_xarray(stacks, options)
    return {"seconds": time.perf_counter() - t0, "bytes": nbytes, "peak_mb": _peak_mb() - base}


def run_numpy(store: str, days: int) -> dict[str, float]:
    import xarray as xr

    from ocean_assets.core.conus404.options import load_options

    options = load_options()
    seconds, nbytes, base = 0.0, 0, _rss_mb()
    for day in _days(days):
        with xr.open_zarr(store) as ds:
            arrays = {v: np.asarray(ds[v].sel(time=[_stamp(day, h) for h in w]).values)
                      for v, w in _windows(ds, options).items()}  # loaded before the clock starts
        t0 = time.perf_counter()
        for var, aggs in options.aggregation.items():
            a = arrays[var]
            for agg in aggs:
                if agg == "mean":
                    a.mean(axis=0, dtype=np.float64)
                elif agg == "sum":
                    a.sum(axis=0, dtype=np.float64)
                elif agg == "min":
                    a.min(axis=0)
                elif agg == "max":
                    a.max(axis=0)
                else:
                    counter, size = options.buckets[var]
                    c = arrays[counter] if counter else np.zeros(2)
                    (a[-1] + c[-1] * size) - (a[0].astype(np.float64) + c[0] * size)
        seconds += time.perf_counter() - t0
        nbytes += sum(x.nbytes for x in arrays.values())
        del arrays
    return {"seconds": seconds, "bytes": nbytes, "peak_mb": _peak_mb() - base}


def _in_fresh_process(fn, *args) -> dict[str, float]:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench conus404", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--grid", default="1015x1367", help="NYxNX (default: the full grid)")
    parser.add_argument("--store", help="reuse/create the synthetic store here")
    args = parser.parse_args(argv)
    from ocean_assets.sources.conus404 import write_store

    grid = tuple(int(v) for v in args.grid.split("x"))
    tmp = None
    if args.store:
        store = Path(args.store)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="bench_conus404_")
        store = Path(tmp.name) / "conus404.zarr"
    if not (store / ".zmetadata").exists():
        t0 = time.perf_counter()
        write_store(store, START, args.days, grid)  # one hour chunk at a time
        print(f"wrote {store} ({args.days} day(s), grid {grid[0]} x {grid[1]}) "
              f"in {time.perf_counter() - t0:.1f}s")
    results = {name: _in_fresh_process(fn, str(store), args.days)
               for name, fn in (("streaming", run_streaming), ("naive", run_naive),
                                ("numpy", run_numpy))}
    print(f"\n{'approach':<10} {'input MB':>9} {'seconds':>8} {'MB/s':>8} {'peak MB':>8}")
    rate = {}
    for name, r in results.items():
        rate[name] = r["bytes"] / 1e6 / r["seconds"]
        print(f"{name:<10} {r['bytes'] / 1e6:>9.0f} {r['seconds']:>8.2f} {rate[name]:>8.0f} "
              f"{r['peak_mb']:>8.0f}")
    s, n, b = results["streaming"], results["naive"], results["numpy"]
    print(f"\nstreaming / naive throughput: {rate['streaming'] / rate['naive']:.2f}x; "
          f"peak memory naive / streaming: {n['peak_mb'] / max(s['peak_mb'], 1):.1f}x")
    print(f"streaming / numpy-in-memory throughput: {rate['streaming'] / rate['numpy']:.2f}x "
          f"(numpy holds the whole day: {b['peak_mb']:.0f} MB)")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
