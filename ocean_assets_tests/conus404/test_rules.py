"""Rules on defective inputs built here: gaps, implausible values, all-NaN fields, grid, schema."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ocean_assets.core.conus404 import rules
from ocean_assets.core.conus404.aggregate import aggregate_day, expected_hours
from ocean_assets.core.conus404.summary import summarize, validate_summary
from ocean_assets.sources.conus404 import DemoSource

DAY = dt.date(2020, 1, 20)
GRID = (10, 14)


def test_missing_hours_are_named() -> None:
    times = np.delete(expected_hours(DAY), [5, 17])
    outcome = rules.check_hours(times, DAY)
    assert not outcome.passed and outcome.severity == "ERROR"
    assert "05:00" in outcome.message and "17:00" in outcome.message
    assert outcome.metadata["missing_hours"] == ["05:00", "17:00"]
    assert rules.check_hours(expected_hours(DAY), DAY).passed


def _daily(options):
    return aggregate_day(DemoSource(GRID).open_day(DAY), DAY, options)


def _patched(options, var: str, index, value: float):
    hourly = DemoSource(GRID).open_day(DAY).load()
    hourly[var].values[index] = value
    return aggregate_day(hourly, DAY, options)


def test_demo_day_is_possible_and_plausible(options) -> None:
    daily = _daily(options)
    assert rules.check_possible(daily, options.impossible).passed
    assert rules.check_plausible(daily, options.plausibility, options.plausibility_max_fraction).passed


@pytest.mark.parametrize(("var", "index", "value", "words"), [
    ("T2", (7, 3, 4), -5.0, "T2: 1 of 3360 values outside the physically possible [0, inf]"),
    ("T2", 7, -1e6, "T2: 140 of 3360"),  # a whole hour's field below absolute zero
    ("PREC_ACC_NC", (2, 3, 4), -0.5, "PREC_ACC_NC: 1 of"),
    ("Q2", (0, 0, 0), -1e-3, "Q2: 1 of"),
    ("PSFC", (23, 1, 1), 20000.0, "PSFC: 1 of"),  # below any surface on Earth
    ("PSFC", slice(None), 1000.0, "PSFC: 3360 of 3360"),  # hPa written as Pa
])
def test_impossible_values_are_blocking_errors(options, var, index, value, words) -> None:
    outcome = rules.check_possible(_patched(options, var, index, value), options.impossible)
    assert not outcome.passed and outcome.severity == "ERROR"
    assert words in outcome.message, outcome.message


def test_a_few_implausible_values_warn(options) -> None:
    daily = _patched(options, "T2", (7, 3, 4), 345.0)  # hot, possible, implausible for CONUS
    assert rules.check_possible(daily, options.impossible).passed
    outcome = rules.check_plausible(daily, options.plausibility, options.plausibility_max_fraction)
    assert not outcome.passed and outcome.severity == "WARN"
    assert "T2: 0.03% of 3360 values outside [200, 340]" in outcome.message


def test_a_field_outside_its_plausible_range_is_an_error(options) -> None:
    daily = _patched(options, "T2", slice(None), 15.0)  # degrees Celsius written as kelvin
    outcome = rules.check_plausible(daily, options.plausibility, options.plausibility_max_fraction)
    assert not outcome.passed and outcome.severity == "ERROR"
    assert "T2: 100.00% of 3360 values" in outcome.message
    assert outcome.metadata["values"]["T2"]["fraction_outside"] == 1.0


def test_negative_daily_shortwave_from_a_shrinking_total_is_impossible(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY).load()
    hourly["ACSWDNB"].values[24] = hourly["ACSWDNB"].values[0] - 1e5  # the running total fell
    hourly["I_ACSWDNB"].values[24] = hourly["I_ACSWDNB"].values[0]
    outcome = rules.check_possible(aggregate_day(hourly, DAY, options), options.impossible)
    assert not outcome.passed and "ACSWDNB: 140 of 140 values" in outcome.message


def test_all_nan_field_fails(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY).load()
    daily = aggregate_day(hourly, DAY, options)
    assert rules.check_no_all_nan(daily).passed
    hourly["U10"].values[4] = np.nan  # one hour of NaN poisons the daily mean everywhere
    outcome = rules.check_no_all_nan(aggregate_day(hourly, DAY, options))
    assert not outcome.passed and "U10_mean" in outcome.message


def test_grid_mismatch_fails(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY)
    daily = aggregate_day(hourly, DAY, options)
    lat, lon = hourly["lat"].values, hourly["lon"].values
    assert rules.check_grid(daily, lat, lon).passed
    assert not rules.check_grid(daily.isel(west_east=slice(0, -1)), lat, lon).passed
    shifted = daily.assign_coords(lat=daily["lat"] + 0.01)
    assert "lat/lon differ" in rules.check_grid(shifted, lat, lon).message


def test_summary_schema(options) -> None:
    daily = aggregate_day(DemoSource(GRID).open_day(DAY), DAY, options)
    df = summarize(daily, DAY)
    assert validate_summary(df).passed
    assert set(df["aggregate"]) == {"mean", "sum", "min", "max", "bucket_diff"}
    t2 = df.set_index("variable").loc["T2_mean"]
    assert t2["min"] <= t2["mean"] <= t2["max"]
    bad = df.copy()
    bad.loc[0, "mean"] = bad.loc[0, "max"] + 1  # mean above max
    bad.loc[1, "nan_fraction"] = 1.5
    outcome = validate_summary(bad)
    assert not outcome.passed and "mean <= max" in outcome.message
    assert not validate_summary(df.assign(extra=1)).passed  # strict: unknown column


@pytest.mark.parametrize(("var", "index", "value", "words"), [
    ("T2", (7, 3, 4), np.inf, "T2: 1 of 3360 values infinite"),
    ("PSFC", (7, 3, 4), np.inf, "PSFC: 1 of 3360 values infinite"),
    ("T2", (7, 3, 4), -np.inf, "T2: 1 of 3360 values infinite"),
    ("U10", (3, 0, 0), np.inf, "U10: 1 of 3360 values infinite"),  # no limits configured: still impossible
    ("ACSWDNB", (24, 2, 2), np.inf, "ACSWDNB: 1 of 140 values infinite"),  # a running total
])
def test_one_infinite_cell_hour_is_impossible(options, var, index, value, words) -> None:
    """+-inf is never the declared fill (that decodes to NaN): an ERROR with its count."""
    daily = _patched(options, var, index, value)
    outcome = rules.check_possible(daily, options.impossible)
    assert not outcome.passed and outcome.severity == "ERROR"
    assert words in outcome.message, outcome.message
    qc = next(da.attrs for da in rules.outputs(daily).values() if da.attrs["source_variable"] == var)
    assert qc["qc_infinite"] == 1 and np.isfinite(qc["qc_max"]) and np.isfinite(qc["qc_min"])


def test_an_infinite_hour_is_not_counted_as_missing(options) -> None:
    """The NaN rule counts only NaN: a whole hour of +inf is impossible, not an all-NaN field."""
    daily = _patched(options, "T2", 7, np.inf)
    assert rules.check_no_all_nan(daily).passed
    assert "T2: 140 of 3360 values infinite" in rules.check_possible(daily, options.impossible).message
