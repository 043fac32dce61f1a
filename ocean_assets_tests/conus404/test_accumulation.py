"""One accumulation window per UTC day, per the producer: a *_ACC_NC stamp holds the hour ending at
it, a running total's day is total(D+1 00:00) - total(D 00:00), so both cover the same 24 hours."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from ocean_assets.core.conus404 import rules
from ocean_assets.core.conus404.aggregate import aggregate_day
from ocean_assets.sources.conus404 import DemoSource, ZarrStoreSource, write_store

DAY = dt.date(2021, 3, 9)
LAST = dt.date(2022, 9, 30)
GRID = (7, 9)


def _bucketed(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counter = np.floor(totals / 1e9)
    return (totals - counter * 1e9).astype(np.float32), counter.astype(np.int32)


def test_hourly_amounts_and_bucket_difference_cover_the_same_24_hours(options) -> None:
    """Each hour's amount is both a PREC_ACC_NC stamp (the hour ending at it) and the increment of
    a running total: the day's sum and the day's bucket difference must agree, cell by cell."""
    hourly = DemoSource(GRID).open_day(DAY).load()
    rng = np.random.default_rng(7)
    amounts = rng.uniform(0.0, 3.0, (25, *GRID))  # amounts[k]: the hour ending at D + k hours
    amounts[0] = 1000.0  # the hour ending D 00:00 belongs to the previous day
    totals = 0.9995e9 + np.cumsum(amounts * 1e5, axis=0)  # crosses a 1e9 bucket during the day
    hourly["PREC_ACC_NC"].values[:] = amounts.astype(np.float32)
    hourly["ACSWDNB"].values[:], hourly["I_ACSWDNB"].values[:] = _bucketed(totals)
    daily = aggregate_day(hourly, DAY, options)
    want = amounts[1:].sum(axis=0)
    np.testing.assert_allclose(daily["PREC_ACC_NC_sum"][0], want, rtol=1e-5)
    np.testing.assert_allclose(daily["ACSWDNB_daily"][0] / 1e5, want, rtol=1e-4)
    np.testing.assert_allclose(daily["ACSWDNB_daily"][0] / 1e5, daily["PREC_ACC_NC_sum"][0],
                               rtol=1e-4)


def test_instantaneous_values_use_the_days_own_samples(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY).load()
    hourly["T2"].values[24] = 1000.0  # D+1 00:00 is the next day's first sample
    daily = aggregate_day(hourly, DAY, options)
    np.testing.assert_allclose(daily["T2_max"][0], hourly["T2"].values[:24].max(axis=0))
    assert daily["T2_mean"].attrs["samples"] == 24


def test_demo_twin_constant_rate_gives_24_hour_sums_equal_to_the_bucket_difference(options) -> None:
    """The demo twin follows the convention: at a constant rate, the hourly sums and the bucket
    difference of one file both equal 24 hours of that rate."""
    hourly = DemoSource(GRID, constant_rate=True).open_day(DAY)
    rain_rate = np.asarray(hourly["PREC_ACC_NC"].values[5], np.float64)
    assert np.allclose(hourly["PREC_ACC_NC"].values, rain_rate)  # constant in time
    total = hourly["ACSWDNB"].values.astype(np.float64) + hourly["I_ACSWDNB"].values * 1e9
    energy_rate = total[1] - total[0]
    daily = aggregate_day(hourly, DAY, options)
    np.testing.assert_allclose(daily["PREC_ACC_NC_sum"][0] / rain_rate, 24.0, rtol=1e-5)
    # ACSWDNB is float32 below 1e9 J m-2 (resolution 64 J m-2), an hour is ~5e5 J m-2: 1e-3 still
    # tells 24 hours from 23
    np.testing.assert_allclose(daily["ACSWDNB_daily"][0] / energy_rate, 24.0, rtol=1e-3)


def test_make_store_follows_the_convention_too(tmp_path: Path, options) -> None:
    """The mirror written by make-store holds the closing stamp and the same constant-rate sums."""
    store = write_store(tmp_path / "c.zarr", DAY, 1, GRID, constant_rate=True)
    hourly = ZarrStoreSource(str(store)).open_day(DAY)
    assert hourly.sizes["time"] == 25
    daily = aggregate_day(hourly, DAY, options)
    rain = hourly["PREC_ACC_NC"].values[3].astype(np.float64)
    total = hourly["ACSWDNB"].values.astype(np.float64) + hourly["I_ACSWDNB"].values * 1e9
    np.testing.assert_allclose(daily["PREC_ACC_NC_sum"][0], 24 * rain, rtol=1e-5)
    np.testing.assert_allclose(daily["ACSWDNB_daily"][0], 24 * (total[2] - total[1]), rtol=1e-3)


def test_archive_last_day_withholds_accumulations_with_the_reason(options) -> None:
    hourly = DemoSource(GRID).open_day(LAST)
    assert hourly.sizes["time"] == 24  # the archive ends at 2022-09-30T23:00
    daily = aggregate_day(hourly, LAST, options)
    for name in ("PREC_ACC_NC_sum", "SNOW_ACC_NC_sum", "ACSWDNB_daily"):
        assert name not in daily.data_vars
        assert name in daily.attrs["withheld_variables"].split()
    assert "2022-10-01T00:00Z" in daily.attrs["withheld_reason"]
    assert "archive ends" in daily.attrs["withheld_reason"]
    assert {"T2_mean", "U10_mean", "SWDOWN_mean"} <= set(daily.data_vars)
    outcome = rules.check_hours(hourly["time"].values, LAST, options.archive_end)
    assert outcome.passed and "withheld" in outcome.message
    assert rules.check_possible(daily, options.impossible).passed


def test_missing_closing_stamp_on_an_ordinary_day_fails_and_withholds(options) -> None:
    hourly = DemoSource(GRID, missing={DAY: {24}}).open_day(DAY)
    daily = aggregate_day(hourly, DAY, options)
    assert "PREC_ACC_NC_sum" not in daily and "24:00" in daily.attrs["withheld_reason"]
    outcome = rules.check_hours(hourly["time"].values, DAY, options.archive_end)
    assert not outcome.passed and "24:00" in outcome.message


def test_a_missing_hour_never_makes_a_23_hour_amount(options) -> None:
    hourly = DemoSource(GRID, missing={DAY: {13}}).open_day(DAY)
    daily = aggregate_day(hourly, DAY, options)
    assert "PREC_ACC_NC_sum" not in daily and "13:00" in daily.attrs["withheld_reason"]
    assert "ACSWDNB_daily" in daily  # the running total only needs D 00:00 and D+1 00:00
    assert daily["T2_mean"].attrs["samples"] == 23


@pytest.mark.parametrize(("variable", "aggs", "words"), [
    ("T2", ("sum",), "instantaneous"),
    ("PREC_ACC_NC", ("bucket_diff",), "bucket_diff needs a running total"),
    ("ACSWDNB", ("mean",), "running total"),
])
def test_aggregations_the_producer_contradicts_are_refused(options, variable, aggs, words) -> None:
    changed = dataclasses.replace(options, aggregation={**options.aggregation, variable: aggs},
                                  buckets={**options.buckets, "PREC_ACC_NC": (None, 1.0)})
    with pytest.raises(ValueError, match=words):
        aggregate_day(DemoSource(GRID).open_day(DAY), DAY, changed)


def test_a_bucket_size_unlike_the_producers_is_refused(options) -> None:
    changed = dataclasses.replace(options, buckets={"ACSWDNB": ("I_ACSWDNB", 1e6)})
    with pytest.raises(ValueError, match="bucket of 1e"):
        aggregate_day(DemoSource(GRID).open_day(DAY), DAY, changed)
