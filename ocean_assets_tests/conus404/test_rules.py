"""Rules on defective inputs built here: gaps, implausible values, all-NaN fields, grid, schema."""

from __future__ import annotations

import datetime as dt

import numpy as np

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


def test_plausible_passes_on_demo_and_fails_on_defects(options) -> None:
    assert rules.check_plausible(_daily(options), options.plausibility).passed
    cases = {
        ("T2", 7): (400.0, "T2 hourly max 400"),
        ("PREC_ACC_NC", 2): (-0.5, "PREC_ACC_NC hourly min -0.5"),
        ("Q2", 0): (-1e-3, "Q2 hourly min"),
        ("PSFC", 23): (20000.0, "PSFC hourly min 20000"),
    }
    for key, (value, words) in cases.items():
        hourly = DemoSource(GRID).open_day(DAY).load()
        hourly[key[0]].values[key[1], 3, 4] = value
        daily = aggregate_day(hourly, DAY, options)
        outcome = rules.check_plausible(daily, options.plausibility)
        assert not outcome.passed, key
        assert words in outcome.message, outcome.message


def test_negative_hour_hidden_in_a_positive_daily_sum_still_fails(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY).load()
    hourly["PREC_ACC_NC"].values[:, 3, 4] = 1.0
    hourly["PREC_ACC_NC"].values[6, 3, 4] = -0.2
    daily = aggregate_day(hourly, DAY, options)
    assert float(daily["PREC_ACC_NC_sum"][0, 3, 4]) > 0
    assert not rules.check_plausible(daily, options.plausibility).passed


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
