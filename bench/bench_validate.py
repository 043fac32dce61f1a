"""Validation sweep: files/s of the ocean rules (``ocean-assets validate``) over N daily files vs
fully loading each file with xarray, with injected defects that must all still be detected."""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import xarray as xr

from bench._util import scratch_env, table, timed
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.ocean.products import load_products
from ocean_assets.core.ocean.validate import validate_file
from ocean_assets.sources.ocean.demo import demo_dataset


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench validate")
    parser.add_argument("--files", type=int, default=365)
    parser.add_argument("--product", default="acidity")
    args = parser.parse_args(argv)
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
