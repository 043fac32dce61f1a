"""Validation sweep: files/s of the ocean rules (``ocean-assets validate``) over N daily files vs
fully loading each file with xarray, with injected defects that must all still be detected."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import subprocess
import sys

import numpy as np
import xarray as xr

from bench._util import scratch_env, table, timed
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.ocean.products import load_products
from ocean_assets.core.ocean.validate import validate_file
from ocean_assets.sources.ocean.demo import demo_dataset

REAL_RESOLUTION = {"sst": 0.05, "acidity": 0.25, "currents": 1 / 12, "microplastics": 0.25}


def _measure(job: str, path: str, product: str, day: str, resolution: float) -> tuple[float, float, float]:
    """Seconds, peak traced allocations (MB: numpy arrays included) and peak RSS (MB, whole process) of
    one job in a fresh process: a plain xarray load, or the rules."""
    code = (
        "import resource, sys, time, tracemalloc, datetime as dt\n"
        "import xarray as xr\n"
        "from bench.bench_validate import _spec\n"
        "from ocean_assets.core.ocean.validate import validate_file\n"
        "job, path, product, day, res = sys.argv[1:]\n"
        "spec = _spec(product, float(res))\n"
        "tracemalloc.start()\n"
        "t = time.perf_counter()\n"
        "if job == 'load':\n"
        "    with xr.open_dataset(path) as ds: ds.load()\n"
        "else:\n"
        "    validate_file(__import__('pathlib').Path(path), spec, dt.date.fromisoformat(day))\n"
        "seconds = time.perf_counter() - t\n"
        "print(seconds, tracemalloc.get_traced_memory()[1] / 1e6, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n")
    out = subprocess.run([sys.executable, "-c", code, job, path, product, day, str(resolution)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def _spec(product: str, resolution: float):  # noqa: ANN202 - a ProductSpec at another grid step
    spec = load_products()[product]
    return dataclasses.replace(spec, demo_resolution=resolution)


def real_grid(product: str, repeats: int) -> None:
    """One day at the product's real grid step (OSTIA 0.05 deg: ~3400 x 7200 over its region): time
    and peak memory of validating it vs a plain xarray load of the same file, each in a fresh process."""
    res = REAL_RESOLUTION[product]
    spec = _spec(product, res)
    day = dt.date(2023, 1, 1)
    with scratch_env() as root:
        path = write_product(demo_dataset(spec, day), product_path(root / "data", product, day), spec, "bench")
        ds = xr.open_dataset(path)
        grid = "x".join(str(ds.sizes[d]) for d in (spec.lat, spec.lon))
        ds.close()
        rows = [("method", "grid", "seconds (best)", "peak allocated MB", "peak RSS MB")]
        results = {}
        for job, label in (("load", "xarray full load (baseline)"), ("validate", "ocean-assets validate rules")):
            runs = [_measure(job, str(path), product, day.isoformat(), res) for _ in range(repeats)]
            results[job] = (min(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs))
            rows.append((label, grid, f"{results[job][0]:.2f}", f"{results[job][1]:.0f}", f"{results[job][2]:.0f}"))
        print(table(rows))
        print(f"{product} at {res} deg ({path.stat().st_size / 1e6:.0f} MB file): validate "
              f"{results['validate'][0] / results['load'][0]:.2f}x the time and "
              f"{results['validate'][1] / max(results['load'][1], 1):.2f}x the peak memory of a plain load")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench validate")
    parser.add_argument("--files", type=int, default=365)
    parser.add_argument("--product", default="acidity")
    parser.add_argument("--grid", choices=["demo", "real"], default="demo",
                        help="real: one day at the product's real grid step (sst: OSTIA 0.05 deg)")
    parser.add_argument("--repeats", type=int, default=3, help="--grid real: fresh-process repeats")
    args = parser.parse_args(argv)
    if args.grid == "real":
        real_grid(args.product, args.repeats)
        return
    spec = load_products()[args.product]
    var = spec.variable_names[0]
    with scratch_env() as root:
        data = root / "data"
        start = dt.date(2023, 1, 1)
        days = [start + dt.timedelta(days=i) for i in range(args.files)]
        base = demo_dataset(spec, days[0])
        paths, defects = [], {}
        for i, day in enumerate(days):
            ds = base.assign_coords(time=[np.datetime64(dt.datetime.combine(day, dt.time()), "ns")])
            kind = ("truncated", "units", "all_nan", None, None, None, None, None, None, None)[i % 10] if i % 7 == 3 else None
            if kind == "units":
                ds = ds.copy()
                ds[var] = ds[var].assign_attrs(units="furlongs")
            if kind == "all_nan":
                ds = ds.copy()
                ds[var] = ds[var] * np.nan
            path = write_product(ds, product_path(data, spec.name, day), spec, "bench")
            if kind == "truncated":
                path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
            if kind:
                defects[path] = kind
            paths.append(path)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6

        with timed() as t_base:
            loaded = 0
            for path in paths:
                try:
                    with xr.open_dataset(path) as ds:
                        ds.load()
                        loaded += 1
                except Exception:  # noqa: BLE001 (the baseline only loads)
                    pass
        with timed() as t_val:
            failing = {}
            for path, day in zip(paths, days, strict=True):
                bad = [o.rule for o in validate_file(path, spec, day) if not o.passed and o.severity == "ERROR"]
                if bad:
                    failing[path] = bad
    detected = all(p in failing for p in defects) and len(failing) == len(defects)
    n = len(paths)
    print(table([
        ("method", "files", "seconds", "files/s", "MB/s"),
        ("xarray full load (baseline)", str(n), f"{t_base['seconds']:.2f}", f"{n / t_base['seconds']:.1f}",
         f"{size_mb / t_base['seconds']:.1f}"),
        ("ocean-assets validate rules", str(n), f"{t_val['seconds']:.2f}", f"{n / t_val['seconds']:.1f}",
         f"{size_mb / t_val['seconds']:.1f}"),
    ]))
    print(f"ratio validate/baseline time: {t_val['seconds'] / t_base['seconds']:.2f}x; "
          f"defects injected {len(defects)}, detected {sum(p in failing for p in defects)}, "
          f"false alarms {len(set(failing) - set(defects))}: {'OK' if detected else 'MISSED'}")
