"""Daily aggregates against an independent numpy computation on the same synthetic hours."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from ocean_assets.core.conus404.aggregate import aggregate_day, read_hour
from ocean_assets.sources.conus404 import DemoSource, demo_dataset

DAY = dt.date(2021, 7, 14)
GRID = (12, 17)


def _stack(hourly, name: str) -> np.ndarray:
    return np.asarray(hourly[name].values)  # (25, ny, nx), loaded all at once the naive way


def test_daily_aggregates_match_numpy(options) -> None:
    """Instantaneous: the 24 samples D 00..23; hourly amounts: the hours ending D 01..D+1 00;
    running total: total(D+1 00) - total(D 00). Winds are checked in test_winds."""
    hourly = DemoSource(GRID).open_day(DAY)
    assert hourly.sizes["time"] == 25
    daily = aggregate_day(hourly, DAY, options)
    t2 = _stack(hourly, "T2")[:24].astype(np.float64)
    np.testing.assert_allclose(daily["T2_mean"][0], t2.mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(daily["T2_min"][0], t2.min(axis=0).astype(np.float32))
    np.testing.assert_array_equal(daily["T2_max"][0], t2.max(axis=0).astype(np.float32))
    for name in ("TD2", "Q2", "PSFC", "SWDOWN"):
        want = _stack(hourly, name)[:24].astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(daily[f"{name}_mean"][0], want, rtol=1e-5, atol=1e-6)
    for name in ("PREC_ACC_NC", "SNOW_ACC_NC"):
        want = _stack(hourly, name)[1:].astype(np.float64).sum(axis=0)
        np.testing.assert_allclose(daily[f"{name}_sum"][0], want, rtol=1e-5, atol=1e-5)
    total = _stack(hourly, "ACSWDNB").astype(np.float64) + _stack(hourly, "I_ACSWDNB") * 1e9
    np.testing.assert_allclose(daily["ACSWDNB_daily"][0], total[24] - total[0], rtol=1e-6)
    assert daily["T2_mean"].attrs["cell_methods"] == "time: mean (interval: 1 hour)"
    assert daily["PREC_ACC_NC_sum"].attrs["cell_methods"] == "time: sum (interval: 1 hour)"
    assert daily["T2_min"].attrs["cell_methods"] == "time: minimum (interval: 1 hour)"
    assert daily["T2_mean"].attrs["units"] == "K"
    assert "2021-07-14T01:00Z .. 2021-07-15T00:00Z" in daily["PREC_ACC_NC_sum"].attrs["comment"]
    assert "2021-07-14T00:00Z .. 2021-07-14T23:00Z" in daily["T2_mean"].attrs["comment"]
    np.testing.assert_array_equal(daily["lat"], hourly["lat"])
    assert daily.attrs["n_hours"] == 24 and "withheld_variables" not in daily.attrs


def test_bucket_difference_across_a_bucket_reset(options) -> None:
    """AC wraps at 1e9 while I_AC increments: the difference of totals is still right."""
    hourly = DemoSource(GRID).open_day(DAY).load()
    ac = np.zeros((25, *GRID), np.float32)
    counter = np.zeros((25, *GRID), np.int32)
    totals = 0.999e9 + np.arange(25, dtype=np.float64) * 5e5  # crosses 1e9 at hour 3
    for h, total in enumerate(totals):
        counter[h] = int(total // 1e9)
        ac[h] = total - counter[h] * 1e9
    hourly["ACSWDNB"].values[:] = ac
    hourly["I_ACSWDNB"].values[:] = counter
    assert counter[0, 0, 0] == 0 and counter[-1, 0, 0] == 1
    daily = aggregate_day(hourly, DAY, options)
    np.testing.assert_allclose(daily["ACSWDNB_daily"][0], 24 * 5e5, rtol=1e-6)


def test_concurrency_does_not_change_the_result(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY)
    serial = aggregate_day(hourly, DAY, dataclasses.replace(options, max_concurrent_reads=1))
    pooled = aggregate_day(hourly, DAY, dataclasses.replace(options, max_concurrent_reads=4))
    assert serial.identical(pooled)


def test_reads_are_bounded_by_the_pool(options) -> None:
    import threading
    import time

    active, peak, lock = [0], [0], threading.Lock()

    def slow_read(ds, i, names):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.01)
        with lock:
            active[0] -= 1
        return read_hour(ds, i, names)

    aggregate_day(DemoSource(GRID).open_day(DAY), DAY,
                  dataclasses.replace(options, max_concurrent_reads=2), read=slow_read)
    assert peak[0] == 2


def test_transient_read_errors_are_retried_with_backoff(options) -> None:
    failures = {3: 2, 10: 1}  # hour index -> failures before success
    sleeps: list[float] = []

    def flaky(ds, i, names):
        if failures.get(i, 0) > 0:
            failures[i] -= 1
            raise OSError(f"timeout reading hour {i}")
        return read_hour(ds, i, names)

    hourly = DemoSource(GRID).open_day(DAY)
    daily = aggregate_day(hourly, DAY, options, read=flaky, sleep=sleeps.append)
    assert len(sleeps) == 3
    assert daily.identical(aggregate_day(hourly, DAY, options))


def test_persistent_read_error_raises(options) -> None:
    def broken(ds, i, names):
        raise OSError("blob storage unavailable")

    with pytest.raises(OSError, match="unavailable"):
        aggregate_day(DemoSource(GRID).open_day(DAY), DAY, options, read=broken,
                      sleep=lambda s: None)


def test_missing_variable_and_empty_day_are_clear_errors(options) -> None:
    hours = np.datetime64("2021-07-14T00", "h") + np.arange(25).astype("timedelta64[h]")
    partial = demo_dataset(hours, GRID, variables=["T2", "Q2"])
    with pytest.raises(ValueError, match="lacks variables"):
        aggregate_day(partial, DAY, options)
    with pytest.raises(ValueError, match="no hourly steps"):
        aggregate_day(DemoSource(GRID).open_day(DAY).isel(time=slice(0, 0)), DAY, options)


def test_demo_is_deterministic_and_full_grid_is_lazy() -> None:
    a = DemoSource(GRID).open_day(DAY)["T2"].values
    b = DemoSource(GRID).open_day(DAY)["T2"].values
    np.testing.assert_array_equal(a, b)
    full = DemoSource((1015, 1367)).open_day(DAY)
    assert full["T2"].shape == (25, 1015, 1367)  # D 00:00 .. D+1 00:00
    assert full["T2"].chunks == ((1,) * 25, (1015,), (1367,))
    assert full["I_ACSWDNB"].dtype == np.int32

