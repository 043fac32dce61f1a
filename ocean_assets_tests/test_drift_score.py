"""The drift score on synthetic series: a seasonal cycle with no anomaly stays quiet; a step, a ramp
and a stuck value warn; marked false alarms leave the baseline."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ocean_assets.core.drift.score import DriftParams, score_series
from ocean_assets.core.drift.settings import params_for
from ocean_assets.core.drift.synthetic import FigureModel, Injection, inject

START = dt.date(2020, 1, 1)
SST = FigureModel("sst/values/mean", 291.2, 0.9, 0.06, phi=0.8, trend_per_year=0.02)


def series(years: float = 4, seed: int = 7) -> pd.Series:
    return SST.generate(START, int(years * 365.25), seed=seed)


def flagged_days(s: pd.Series, **kwargs) -> list[dt.date]:
    return [r.day for r in score_series(s, **kwargs) if r.flagged]


def episodes(days: list[dt.date]) -> int:
    return sum(1 for k, d in enumerate(days) if k == 0 or (d - days[k - 1]).days > 1)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_a_seasonal_cycle_with_no_anomaly_warns_about_once_a_year_at_most(seed: int) -> None:
    assert episodes(flagged_days(series(seed=seed))) <= 4  # four years of a persistent, seasonal figure


def test_the_baseline_is_seasonal_once_two_past_years_exist() -> None:
    s = series()
    scores = score_series(s)
    late = [r for r in scores if r.day >= dt.date(2022, 3, 1)]
    assert {r.mode for r in late} == {"seasonal"}
    assert {r.mode for r in scores[30:300]} == {"trailing"}
    # the band follows the cycle: the expected value tracks the truth within the noise
    errors = np.array([abs(r.value - r.expected) for r in late])
    assert np.median(errors) < 0.06 and all(r.low < r.expected < r.high for r in late)


def test_a_step_of_five_noise_sds_warns_on_its_first_days() -> None:
    onset = dt.date(2023, 5, 10)
    s = inject(series(), Injection(SST.name, "bias", onset, 20, 0.3))  # +0.3 K, like a calibration bias
    flags = flagged_days(s)
    assert any(onset <= d < onset + dt.timedelta(days=3) for d in flags)
    result = next(r for r in score_series(s) if r.day == onset + dt.timedelta(days=1))
    assert result.flagged and result.score > 4.5 and result.value > result.high


def test_a_ramp_is_caught_before_it_grows_large() -> None:
    s = series()
    onset = dt.date(2023, 2, 1)
    ramp = pd.Series(0.0, index=s.index)
    days_in = np.array([(d - onset).days for d in s.index])
    ramp[:] = np.clip(days_in, 0, None) * 0.02  # +0.02 K a day
    flags = [d for d in flagged_days(s + ramp) if d >= onset]
    assert flags and flags[0] < onset + dt.timedelta(days=30)


def test_a_stuck_value_warns_even_inside_the_band() -> None:
    s = series()
    onset = dt.date(2023, 8, 1)
    stuck = inject(s, Injection(SST.name, "stuck", onset, 10, 0.0))
    scores = {r.day: r for r in score_series(stuck)}
    assert scores[onset + dt.timedelta(days=1)].stuck is False  # one repeat is not yet stuck
    assert scores[onset + dt.timedelta(days=2)].stuck and scores[onset + dt.timedelta(days=2)].flagged
    assert abs(scores[onset + dt.timedelta(days=2)].score) < 4.5  # the value itself looks normal


def test_a_figure_that_is_always_constant_is_not_stuck() -> None:
    s = pd.Series(0.25, index=pd.date_range("2024-01-01", periods=200).date)
    assert flagged_days(s) == []
    changed = s.copy()
    changed.iloc[150] = 0.26  # but a change of a constant figure is an anomaly (spread floor)
    assert flagged_days(changed) == [changed.index[150]]


def test_a_count_that_was_constant_may_move_by_one_or_two_but_not_more() -> None:
    s = pd.Series(120.0, index=pd.date_range("2024-01-01", periods=60).date)
    s.iloc[40], s.iloc[50] = 122.0, 125.0
    assert flagged_days(s) == [s.index[50]]


def test_a_marked_false_alarm_leaves_the_baseline() -> None:
    s = pd.Series(np.r_[np.linspace(10, 11, 12), [30.0]], index=pd.date_range("2024-01-01", periods=13).date)
    day5 = s.index[5]
    plain = score_series(s)[-1]
    marked = score_series(s, false_alarms=[day5])[-1]
    assert plain.flagged and marked.flagged
    assert (plain.n_baseline, marked.n_baseline) == (12, 11)


def test_flagged_days_leave_the_baseline_so_a_long_shift_keeps_warning() -> None:
    onset = dt.date(2023, 5, 10)
    s = inject(series(), Injection(SST.name, "bias", onset, 25, 0.5))
    flags = [d for d in flagged_days(s) if onset <= d <= onset + dt.timedelta(days=24)]
    assert len(flags) >= 20


def test_settings_come_from_config_with_per_figure_overrides() -> None:
    section = {"defaults": {"threshold": 4}, "figures": {"mean": {"threshold": 6},
                                                          "sst/values/mean": {"doy_window": 10}}}
    p = params_for("sst", "values", "mean", section)
    assert (p.threshold, p.doy_window) == (6.0, 10)
    assert params_for("sst", "values", "max", section).threshold == 4.0
    assert params_for("sst", "values", "max") == DriftParams()  # config/platform.yaml: the defaults
    with pytest.raises(ValueError, match="unknown drift setting"):
        params_for("sst", "values", "max", {"defaults": {"treshold": 3}})
