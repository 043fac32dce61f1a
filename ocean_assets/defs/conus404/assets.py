"""Assets: the daily NetCDF aggregated from hourly steps, and its per-day summary table."""

import pandas as pd
import xarray as xr

from ocean_assets.core.conus404.aggregate import aggregate_day, write_daily_netcdf
from ocean_assets.core.conus404.options import daily_path, summary_path
from ocean_assets.core.conus404.summary import summarize
from ocean_assets.core.io import atomic_path
from ocean_assets.dagster_support import Day, DayFailure, DayOutput, daily_asset
from ocean_assets.defs.conus404.resources import GROUP, Conus404Resource, conus404_partitions

POOL = "conus404_source"  # caps concurrent runs reading the source (set the limit on the instance)


def _preview(df: pd.DataFrame) -> str:
    cols = ["variable", "units", "min", "mean", "max"]
    return df[cols].to_markdown(index=False, floatfmt=".4g")


# One run per day (the group's policy): a day reads ~1.3 GB of hourly input, so days are separate
# runs that fail and retry on their own (re-run failed partitions), capped by the pool.
@daily_asset(name="conus404_daily_nc", group=GROUP, partitions_def=conus404_partitions, pool=POOL,
             kinds={"netcdf", "xarray"},
             description="Daily CONUS404 aggregates (mean / sum / min / max / bucket difference) of the "
             "hourly Zarr, one NetCDF per UTC day: data/conus404/daily/conus404_daily_{YYYYMMDD}.nc")
def conus404_daily_nc(day: Day, conus404: Conus404Resource) -> DayOutput:
    options = conus404.options()
    source = conus404.source()
    hourly = source.open_day(day.date)
    in_bytes = sum(hourly[v].nbytes for v in options.input_variables if v in hourly)
    daily = aggregate_day(hourly, day.date, options)
    path = daily_path(conus404.root(), day.date)
    with atomic_path(path) as tmp:
        write_daily_netcdf(daily, str(tmp), options.complevel)
    return DayOutput(files=[path], metadata={
        "source": source.label,
        "hours": int(daily.attrs["n_hours"]),
        "hours_present": daily.attrs["hours_present"],
        "variables": len(daily.data_vars),
        "grid": f"{daily.sizes['south_north']} x {daily.sizes['west_east']}",
        "hourly_input_mb": round(in_bytes / 1e6, 2),
    }, preview=_preview(summarize(daily, day.date)))


@daily_asset(name="conus404_daily_summary", group=GROUP, partitions_def=conus404_partitions,
             deps=[conus404_daily_nc],
             kinds={"parquet", "pandas"},
             description="Per-day table: domain min / mean / max and NaN fraction of every daily variable.")
def conus404_daily_summary(day: Day, conus404: Conus404Resource) -> DayOutput:
    root = conus404.root()
    source = daily_path(root, day.date)
    if not source.exists():
        raise DayFailure(f"no daily file for {day.key} ({source.name}): materialize conus404_daily_nc first")
    with xr.open_dataset(source, engine="netcdf4") as daily:
        df = summarize(daily.load(), day.date)
    path = summary_path(root, day.date)
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
    return DayOutput(files=[path], metadata={"rows": len(df)}, preview=_preview(df))
