"""Partitioned asset checks on the daily file and the summary table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import dagster as dg
import numpy as np
import pandas as pd
import xarray as xr

from ocean_assets.core.conus404 import rules
from ocean_assets.core.conus404.options import daily_path, summary_path
from ocean_assets.core.conus404.summary import validate_summary
from ocean_assets.core.outcome import Outcome, fail
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.conus404.assets import conus404_daily_nc, conus404_daily_summary
from ocean_assets.defs.conus404.resources import Conus404Resource, conus404_partitions

DAILY_RULES = [
    CheckRule(rules.HOURS_COMPLETE, "every stamp the UTC day reads (00:00 .. next day 00:00) is in "
              "the source (the archive's last day: accumulations withheld, with the reason)", True),
    CheckRule(rules.POSSIBLE, "no physically impossible value (below 0 K, negative amounts or "
              "mixing ratio, surface pressure outside 25-115 kPa, ...): ERROR", True),
    CheckRule(rules.PLAUSIBLE, "values within the domain's plausible ranges (T2 200..340 K, PSFC "
              "50-110 kPa, ...): WARN on a small share, ERROR beyond it", True),
    CheckRule(rules.NO_ALL_NAN, "no daily field is entirely NaN", True),
    CheckRule(rules.GRID_MATCHES, "output grid and lat/lon equal the input's", True),
]
SUMMARY_RULES = [CheckRule(rules.SUMMARY_SCHEMA, "summary table matches its pandera schema", True)]


def _resource(context: dg.AssetCheckExecutionContext) -> Conus404Resource:
    return context.resources.conus404


def _evaluate_daily(context: dg.AssetCheckExecutionContext, key: str) -> Mapping[str, Outcome]:
    day = dt.date.fromisoformat(key)
    resource = _resource(context)
    path = daily_path(resource.root(), day)
    if not path.exists():
        return {r.name: fail(r.name, f"{path.name} was not written") for r in DAILY_RULES}
    options = resource.options()
    hourly = resource.source().open_day(day)
    with xr.open_dataset(path, engine="netcdf4") as daily:
        daily = daily.load()
    return {
        rules.HOURS_COMPLETE: rules.check_hours(hourly["time"].values, day, options.archive_end),
        rules.POSSIBLE: rules.check_possible(daily, options.impossible),
        rules.PLAUSIBLE: rules.check_plausible(daily, options.plausibility,
                                               options.plausibility_max_fraction),
        rules.NO_ALL_NAN: rules.check_no_all_nan(daily),
        rules.GRID_MATCHES: rules.check_grid(daily, np.asarray(hourly["lat"].values),
                                             np.asarray(hourly["lon"].values)),
    }


def _evaluate_summary(context: dg.AssetCheckExecutionContext, key: str) -> Mapping[str, Outcome]:
    path = summary_path(_resource(context).root(), key)
    if not path.exists():
        return {rules.SUMMARY_SCHEMA: fail(rules.SUMMARY_SCHEMA, f"{path.name} was not written")}
    return {rules.SUMMARY_SCHEMA: validate_summary(pd.read_parquet(path), rules.SUMMARY_SCHEMA)}


conus404_daily_checks = partitioned_checks(
    name="conus404_daily_checks",
    asset=conus404_daily_nc,
    rules=DAILY_RULES,
    partitions_def=conus404_partitions,
    evaluate=_evaluate_daily,
    required_resource_keys={"conus404"},
)

conus404_summary_checks = partitioned_checks(
    name="conus404_summary_checks",
    asset=conus404_daily_summary,
    rules=SUMMARY_RULES,
    partitions_def=conus404_partitions,
    evaluate=_evaluate_summary,
    required_resource_keys={"conus404"},
)
