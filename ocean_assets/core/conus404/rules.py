"""Validation rules for a CONUS404 day; each returns an Outcome (used by checks, CLI, tests).

Values are judged on the counts the aggregation recorded in the daily file (``qc_*`` attributes of
each output: every value the day read, i.e. each hourly value, or a running total's daily
difference), so one bad hour is caught even when the daily mean looks fine:
- ``physically_possible`` (ERROR): no value the physics rules out (below absolute zero, negative
  amounts or mixing ratios, a surface pressure no point of the Earth has, more shortwave energy
  than the sun delivers). One such value is a defect of the data, not weather.
  A +-inf value (any variable) is impossible too: never the declared fill, which decodes to NaN;
  the NaN rules count only NaN.
- ``plausible_values``: values outside the domain's plausible range WARN while they are a small
  share (``plausibility_max_fraction``); more than that, up to a whole field, is an ERROR.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import xarray as xr

from ocean_assets.core.conus404.aggregate import missing_hours
from ocean_assets.core.conus404.options import Limits
from ocean_assets.core.conus404.windows import HOURS_PER_DAY, offsets
from ocean_assets.core.outcome import Outcome, fail, ok

HOURS_COMPLETE = "hours_complete"
POSSIBLE = "physically_possible"
PLAUSIBLE = "plausible_values"
NO_ALL_NAN = "no_all_nan_field"
GRID_MATCHES = "grid_matches_input"
SUMMARY_SCHEMA = "summary_schema"


def outputs(daily: xr.Dataset) -> dict[str, xr.DataArray]:
    """The daily output fields (not time bounds or the grid mapping)."""
    return {str(n): da for n, da in daily.data_vars.items() if "source_variable" in da.attrs}


def check_hours(times: np.ndarray, day: dt.date, archive_end: dt.date | None = None) -> Outcome:
    """All stamps the day reads (D 00:00 .. D+1 00:00) are in the source; on the archive's last
    day the closing stamp lies beyond the archive and its accumulations are withheld instead."""
    gaps = missing_hours(times, day, archive_end)
    present = offsets(times, day)
    expected = HOURS_PER_DAY + (0 if archive_end is not None and day >= archive_end else 1)
    if gaps:
        return fail(HOURS_COMPLETE, f"{day}: {len(gaps)} of {expected} hourly stamps missing: "
                    f"{', '.join(gaps)} (24:00 = next day 00:00)", missing_hours=gaps,
                    present=len(present))
    note = ("; the archive's last day: no next-day 00:00 stamp, accumulations withheld"
            if expected == HOURS_PER_DAY and HOURS_PER_DAY not in present else "")
    return ok(HOURS_COMPLETE, f"{day}: all {expected} hourly stamps present{note}",
              present=len(present))


def _stats(daily: xr.Dataset) -> dict[str, dict[str, float]]:
    """Per source variable: the qc counts recorded by the aggregation."""
    out: dict[str, dict[str, float]] = {}
    for da in outputs(daily).values():
        if "qc_values" in da.attrs:
            out[str(da.attrs["source_variable"])] = {
                key: float(da.attrs.get(f"qc_{key}", 0.0))
                for key in ("values", "impossible", "implausible", "infinite", "min", "max")}
    return out


def _withheld(daily: xr.Dataset) -> set[str]:
    return {name.rsplit("_", 1)[0] for name in str(daily.attrs.get("withheld_variables", "")).split()}


def _range(limits: Limits) -> str:
    lo = "-inf" if limits.min is None else f"{limits.min:g}"
    hi = "inf" if limits.max is None else f"{limits.max:g}"
    return f"[{lo}, {hi}]"


def _unchecked(daily: xr.Dataset, limits: Mapping[str, Limits], seen: Mapping[str, object]
               ) -> list[str]:
    present = {str(da.attrs["source_variable"]) for da in outputs(daily).values()}
    return [v for v in limits if v in present and v not in seen and v not in _withheld(daily)]


def check_possible(daily: xr.Dataset, limits: Mapping[str, Limits]) -> Outcome:
    """No value outside the physically possible range and no +-inf value (any one fails, ERROR)."""
    stats = _stats(daily)
    problems = []
    for var, s in stats.items():
        if s["infinite"] > 0:
            problems.append(f"{var}: {s['infinite']:.0f} of {s['values']:.0f} values infinite (+-inf), "
                            f"physically impossible and not the declared fill")
        if var in limits and s["impossible"] > 0:
            problems.append(f"{var}: {s['impossible']:.0f} of {s['values']:.0f} values outside the "
                            f"physically possible {_range(limits[var])} (min {s['min']:g}, "
                            f"max {s['max']:g})")
    unchecked = _unchecked(daily, limits, stats)
    figures = {v: {"min": s["min"], "max": s["max"], "impossible": s["impossible"],
                   "infinite": s["infinite"]}
               for v, s in stats.items() if v in limits or s["infinite"]}
    if problems:
        return fail(POSSIBLE, "; ".join(problems), values=figures)
    if unchecked:
        return fail(POSSIBLE, f"no values were checked for {unchecked}", values=figures)
    return ok(POSSIBLE, f"{len(figures)} variables within their physically possible ranges",
              values=figures)


def check_plausible(daily: xr.Dataset, limits: Mapping[str, Limits], max_fraction: float = 0.01
                    ) -> Outcome:
    """Values outside the plausible range: WARN up to ``max_fraction`` of a variable's values,
    ERROR beyond (a field largely or wholly out of range is a defect, not weather)."""
    stats = _stats(daily)
    errors: list[str] = []
    warnings: list[str] = []
    figures: dict[str, dict[str, float]] = {}
    for var, s in stats.items():
        if var not in limits or not s["values"]:
            continue
        share = s["implausible"] / s["values"]
        figures[var] = {"min": s["min"], "max": s["max"], "fraction_outside": share}
        if s["implausible"]:
            text = (f"{var}: {share:.2%} of {s['values']:.0f} values outside {_range(limits[var])} "
                    f"(min {s['min']:g}, max {s['max']:g})")
            (errors if share > max_fraction else warnings).append(text)
    unchecked = _unchecked(daily, limits, stats)
    if errors or unchecked:
        text = "; ".join(errors + ([f"no values were checked for {unchecked}"] if unchecked else []))
        return fail(PLAUSIBLE, text, values=figures)
    if warnings:
        return fail(PLAUSIBLE, "; ".join(warnings) + f" (at most {max_fraction:.0%}: warning)",
                    severity="WARN", values=figures)
    return ok(PLAUSIBLE, f"{len(figures)} variables within their plausible ranges", values=figures)


def check_no_all_nan(daily: xr.Dataset) -> Outcome:
    fields = outputs(daily)
    empty = [name for name, da in fields.items() if bool(np.isnan(da.values).all())]
    if empty:
        return fail(NO_ALL_NAN, f"all-NaN fields: {', '.join(empty)}", fields=empty)
    return ok(NO_ALL_NAN, f"{len(fields)} fields have data")


def check_grid(daily: xr.Dataset, lat: np.ndarray, lon: np.ndarray) -> Outcome:
    want = tuple(lat.shape)
    got = (daily.sizes.get("south_north"), daily.sizes.get("west_east"))
    if got != want:
        return fail(GRID_MATCHES, f"output grid {got} != input grid {want}")
    if not (np.array_equal(daily["lat"].values, lat) and np.array_equal(daily["lon"].values, lon)):
        return fail(GRID_MATCHES, "output lat/lon differ from the input's")
    return ok(GRID_MATCHES, f"grid {want[0]} x {want[1]} and lat/lon match the input")
