"""Orchestration overhead: an N-day backfill of every ocean asset (demo) as one single-run
backfill vs the bare core/ functions doing the same work vs one Dagster run per day."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import dagster as dg

from bench._util import peak_rss_mb, scratch_env, table, timed
from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.ocean.corruption import sweep
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import PRODUCTS, product_path, report_path, texture_path
from ocean_assets.core.ocean.products import load_products
from ocean_assets.core.ocean.texture import (
    TextureSpec,
    render_texture,
    texture_outcomes,
    write_texture,
)
from ocean_assets.core.ocean.validate import validate_file
from ocean_assets.settings import PROJECT_ROOT, get_settings
from ocean_assets.sources.ocean.demo import demo_dataset

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def bare(days: list[dt.date]) -> None:
    """The same work the assets and checks do, as plain function calls."""
    root = get_settings().data_root
    specs = load_products()
    tex = TextureSpec()
    for day in days:
        for name in PRODUCTS:
            spec = specs[name]
            path = write_product(demo_dataset(spec, day), product_path(root, name, day), spec, "demo")
            validate_file(path, spec, day)
        import xarray as xr

        with xr.open_dataset(product_path(root, "sst", day)) as ds:
            rgba, _ = render_texture(ds.load(), "analysed_sst", tex)
        texture_outcomes(write_texture(rgba, texture_path(root, day)), tex, 0.5)
    report = json.dumps(sweep(root, specs))
    for day in days:
        atomic_write_text(report_path(root, day), report)


def use_project_instance(storage: str) -> None:
    """The scratch DAGSTER_HOME gets the project's dagster.yaml (pooled event-log storage), or
    Dagster's default SQLite storage."""
    home = Path(os.environ["DAGSTER_HOME"])
    if storage == "pooled":
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")


def count_events(instance: dg.DagsterInstance, run_id: str) -> Counter[str]:
    return Counter(r.event_log_entry.dagster_event_type.value  # type: ignore[union-attr]
                   for r in instance.get_records_for_run(run_id, limit=None).records
                   if r.event_log_entry.dagster_event_type)


def dagster_run(keys: list[str]) -> Counter[str]:
    from ocean_assets.location import load_definitions

    job = load_definitions().resolve_job_def("ocean_daily")
    with dg.DagsterInstance.get() as instance:
        tags = ({"dagster/partition": keys[0]} if len(keys) == 1 else
                {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
        result = job.execute_in_process(instance=instance, tags=tags, run_config=QUIET)
        assert result.success
        return count_events(instance, result.run_id)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench orchestration")
    parser.add_argument("--days", default="30", help="comma-separated backfill sizes, e.g. 30,365")
    parser.add_argument("--per-day-sample", type=int, default=5,
                        help="one-run-per-day is measured on this many days and scaled (0: skip)")
    parser.add_argument("--storage", default="pooled,default",
                        help="event-log storages to compare: pooled (dagster.yaml), default (Dagster's)")
    args = parser.parse_args(argv)
    rows = [("days", "storage", "bare core (s)", "single-run (s)", "ratio", "overhead/partition (ms)",
             "events/partition", "run-per-day/bare")]
    for n in (int(x) for x in args.days.split(",")):
        days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(n)]
        keys = [d.isoformat() for d in days]
        with scratch_env(), timed() as t_bare:
            bare(days)
        for storage in args.storage.split(","):
            with scratch_env():
                use_project_instance(storage)
                with timed() as t_single:
                    events = dagster_run(keys)
            per_day = "-"
            if args.per_day_sample:
                sample = keys[: min(n, args.per_day_sample)]
                with scratch_env():
                    use_project_instance(storage)
                    with timed() as t_each:
                        for key in sample:
                            dagster_run([key])
                per_day = f"{t_each['seconds'] / len(sample) * n / t_bare['seconds']:.1f}x"
            rows.append((str(n), storage, f"{t_bare['seconds']:.1f}", f"{t_single['seconds']:.1f}",
                         f"{t_single['seconds'] / t_bare['seconds']:.2f}x",
                         f"{(t_single['seconds'] - t_bare['seconds']) / n * 1000:.0f}",
                         f"{sum(events.values()) / n:.0f}", per_day))
            print(table(rows), flush=True)
            print("  events by type:", dict(events.most_common(8)), flush=True)
    print(f"peak RSS {peak_rss_mb():.0f} MB; target: single-run within 1.3x of bare")
