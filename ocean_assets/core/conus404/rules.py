"""Validation rules for a CONUS404 day; each returns an Outcome (used by checks, CLI, tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import xarray as xr

from ocean_assets.core.conus404.aggregate import missing_hours
from ocean_assets.core.conus404.options import Limits
from ocean_assets.core.outcome import Outcome, fail, ok

HOURS_COMPLETE = "hours_complete"
PLAUSIBLE = "plausible_values"
NO_ALL_NAN = "no_all_nan_field"
GRID_MATCHES = "grid_matches_input"
SUMMARY_SCHEMA = "summary_schema"


def check_hours(times: np.ndarray, day: dt.date) -> Outcome:
    gaps = missing_hours(times, day)
    if gaps:
        return fail(HOURS_COMPLETE, f"{day}: {len(gaps)} of 24 hourly steps missing: {', '.join(gaps)}",
                    missing_hours=gaps, present=24 - len(gaps))
    return ok(HOURS_COMPLETE, f"{day}: all 24 hourly steps present", present=24)


def check_plausible(daily: xr.Dataset, limits: Mapping[str, Limits]) -> Outcome:
    """Every hourly value within limits, judged on the hourly extremes kept in the daily file."""
    problems: list[str] = []
    seen: dict[str, list[float]] = {}
    for da in daily.data_vars.values():
        var = da.attrs.get("source_variable")
        if var not in limits or "hourly_min" not in da.attrs:
            continue
        lo, hi = float(da.attrs["hourly_min"]), float(da.attrs["hourly_max"])
        seen[var] = [lo, hi]
        lim = limits[var]
        if np.isnan(lo) or np.isnan(hi):
            continue  # NaNs are the all-NaN rule's business
        if lim.min is not None and lo < lim.min:
            problems.append(f"{var} hourly min {lo:g} < {lim.min:g}")
        if lim.max is not None and hi > lim.max:
            problems.append(f"{var} hourly max {hi:g} > {lim.max:g}")
    problems = list(dict.fromkeys(problems))
    unchecked = [v for v in limits if v not in seen]
    if problems:
        return fail(PLAUSIBLE, "; ".join(problems), hourly_range=seen)
    if unchecked:
        return fail(PLAUSIBLE, f"no hourly extremes recorded for {unchecked}", hourly_range=seen)
    return ok(PLAUSIBLE, f"{len(seen)} variables within limits", hourly_range=seen)


def check_no_all_nan(daily: xr.Dataset) -> Outcome:
    empty = [name for name, da in daily.data_vars.items() if bool(np.isnan(da.values).all())]
    if empty:
        return fail(NO_ALL_NAN, f"all-NaN fields: {', '.join(empty)}", fields=empty)
    return ok(NO_ALL_NAN, f"{len(daily.data_vars)} fields have data")


def check_grid(daily: xr.Dataset, lat: np.ndarray, lon: np.ndarray) -> Outcome:
    want = tuple(lat.shape)
    got = (daily.sizes.get("south_north"), daily.sizes.get("west_east"))
    if got != want:
        return fail(GRID_MATCHES, f"output grid {got} != input grid {want}")
    if not (np.array_equal(daily["lat"].values, lat) and np.array_equal(daily["lon"].values, lon)):
        return fail(GRID_MATCHES, "output lat/lon differ from the input's")
    return ok(GRID_MATCHES, f"grid {want[0]} x {want[1]} and lat/lon match the input")
