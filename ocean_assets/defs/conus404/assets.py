"""Assets: the daily NetCDF aggregated from hourly steps, and its per-day summary table."""


import datetime as dt

import dagster as dg
import pandas as pd
import xarray as xr

from ocean_assets.core.conus404.aggregate import aggregate_day, write_daily_netcdf
from ocean_assets.core.conus404.options import daily_path, summary_path
from ocean_assets.core.conus404.summary import summarize
from ocean_assets.core.io import atomic_path, sha256_bytes
from ocean_assets.dagster_support import file_metadata, run_partition_keys
from ocean_assets.defs.conus404.resources import GROUP, Conus404Resource, conus404_partitions
from ocean_assets.settings import get_settings

POOL = "conus404_source"  # caps concurrent runs reading the source (set the limit on the instance)


def _preview(df: pd.DataFrame) -> dg.MetadataValue:
    cols = ["variable", "units", "min", "mean", "max"]
    return dg.MetadataValue.md(df[cols].to_markdown(index=False, floatfmt=".4g"))


def _result(metas: list[dict], shas: list[str]) -> dg.MaterializeResult:
    metadata = dict(metas[-1]) if len(metas) == 1 else {
        "days": len(metas),
        "files": dg.MetadataValue.json({str(m["day"]): m["sha256"] for m in metas}),
    }
    version = shas[0] if len(shas) == 1 else sha256_bytes("".join(shas).encode())
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(version))


@dg.asset(
    name="conus404_daily_nc",
    group_name=GROUP,
    owners=["team:climate"],
    code_version="1",
    partitions_def=conus404_partitions,
    # One run per day: a day reads ~1.3 GB of hourly input, so days are separate runs that fail
    # and retry on their own (re-run failed partitions), capped by the pool.
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool=POOL,
    kinds={"netcdf", "xarray"},
    description="Daily CONUS404 aggregates (mean / sum / min / max / bucket difference) of the "
    "hourly Zarr, one NetCDF per UTC day: data/conus404/daily/conus404_daily_{YYYYMMDD}.nc",
)
def conus404_daily_nc(context: dg.AssetExecutionContext, conus404: Conus404Resource
                      ) -> dg.MaterializeResult:
    options = conus404.options()
    source = conus404.source()
    root = get_settings().data_root
    metas, shas = [], []
    for key in run_partition_keys(context):
        day = dt.date.fromisoformat(key)
        hourly = source.open_day(day)
        in_bytes = sum(hourly[v].nbytes for v in options.input_variables if v in hourly)
        daily = aggregate_day(hourly, day, options)
        path = daily_path(root, day)
        with atomic_path(path) as tmp:
            write_daily_netcdf(daily, str(tmp), options.complevel)
        meta = file_metadata(path, root)
        summary = summarize(daily, day)
        meta.update({
            "day": key,
            "source": source.label,
            "hours": int(daily.attrs["n_hours"]),
            "hours_present": daily.attrs["hours_present"],
            "variables": len(daily.data_vars),
            "grid": f"{daily.sizes['south_north']} x {daily.sizes['west_east']}",
            "hourly_input_mb": round(in_bytes / 1e6, 2),
            "preview": _preview(summary),
        })
        context.log.info(f"{key}: {meta['hours']} hours -> {path.name} ({meta['size_bytes']} bytes)")
        metas.append(meta)
        shas.append(meta["sha256"])
    return _result(metas, shas)


@dg.asset(
    name="conus404_daily_summary",
    group_name=GROUP,
    owners=["team:climate"],
    code_version="1",
    partitions_def=conus404_partitions,
    deps=[conus404_daily_nc],
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"parquet", "pandas"},
    description="Per-day table: domain min / mean / max and NaN fraction of every daily variable.",
)
def conus404_daily_summary(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    root = get_settings().data_root
    metas, shas = [], []
    for key in run_partition_keys(context):
        day = dt.date.fromisoformat(key)
        with xr.open_dataset(daily_path(root, day), engine="netcdf4") as daily:
            df = summarize(daily.load(), day)
        path = summary_path(root, day)
        with atomic_path(path) as tmp:
            df.to_parquet(tmp, index=False)
        meta = file_metadata(path, root)
        meta.update({"day": key, "rows": len(df), "preview": _preview(df)})
        metas.append(meta)
        shas.append(meta["sha256"])
    return _result(metas, shas)
