"""A robust seasonal score for one figure series (day -> value), evaluated day by day in order,
each day against earlier days only (docs/drift.md).

Expected value:

- **seasonal** (at least ``min_past_years`` past years with values within ``doy_window`` days of
  the same day of year): the climatology is a robust line through those past-year values (Theil-Sen
  slope over the day-of-year offset, median intercept); plus a **level** term, the median residual
  of the last ``level_days`` baseline days (a warm year, a growing archive); plus **persistence**,
  the AR(1) forecast of today's residual from the last baseline one.
- **trailing** (less history): a Theil-Sen line through the last ``line_days`` baseline days,
  extrapolated at most ``line_horizon`` days past the last one (a short window keeps the seasonal
  curvature from biasing it), plus persistence.

Spread: 1.4826 * MAD of the one-step forecast errors over the last ``trailing_days`` baseline days
(within a year, by count, so a run of flagged days does not empty it), plus the variance of the
level (or of the line at its end), using the residuals' effective number of independent points;
never below ``max(spread_floor_abs, spread_floor_rel * |expected|)``, nor below ``integer_floor``
(half a unit) for a figure whose recent values are all whole numbers (counts).
``score = (value - expected) / spread``; a day is flagged when ``|score| > threshold``.

**Seasonal envelope** (from ``envelope_min_years`` past years): also flagged when
``|value - centre|`` exceeds ``envelope_threshold`` robust spreads of the past years around the
centre (the climatology plus the past years' trend, a line through each past year's median
residual). The level term follows slow changes; the envelope does not, so a slow ramp still warns.

**Stuck values**: ``stuck_days`` or more consecutive zero day-to-day changes, longer than any run
of zero changes in the previous year of baseline (a figure constant by nature is never stuck).

**Baseline exclusions** (documented choice): days already flagged and days marked as false alarms
leave the baseline. A flagged day is suspect, and a false alarm is, by the operator's word, a day
whose value must not teach the model either way (a one-off event). Unflagged days between two
flagged days at most ``episode_gap`` days apart leave it too (after the fact), so the unflagged days
of a partly detected shift do not drag the baseline. A shift that stays flagged longer than
``accept_after`` consecutive days is adopted as the new level from then on, so a deliberate change
stops warning after a month instead of forever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

YEAR = 365.2425
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class DriftParams:
    threshold: float = 4.5
    doy_window: int = 15
    min_past_years: int = 2
    trailing_days: int = 60
    level_days: int = 30
    line_days: int = 30
    line_horizon: int = 7
    min_points: int = 10
    spread_floor_abs: float = 1e-9
    spread_floor_rel: float = 1e-4
    integer_floor: float = 0.5
    episode_gap: int = 7
    envelope_threshold: float = 6.0
    envelope_min_years: int = 3
    clip_flagged: bool = False
    persistence: bool = True
    stuck_days: int = 3
    accept_after: int = 30

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> DriftParams:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown drift setting(s): {', '.join(unknown)}")
        return cls(**{k: type(getattr(cls, k))(v) for k, v in known.items()})


@dataclass(frozen=True)
class DayScore:
    day: dt.date
    value: float
    expected: float | None
    low: float | None
    high: float | None
    score: float | None
    flagged: bool
    stuck: bool
    mode: str            # seasonal | trailing | none (not enough history)
    n_baseline: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["day"] = self.day.isoformat()
        return out


def as_series(series: Mapping[Any, float] | pd.Series) -> pd.Series:
    """Day -> float, sorted by day, one value per day (the last one wins), NaNs dropped."""
    s = pd.Series(series, dtype="float64") if not isinstance(series, pd.Series) else series.astype("float64")
    if s.empty:
        return s
    s.index = pd.to_datetime(s.index).normalize()
    s = s[~s.index.duplicated(keep="last")].sort_index()
    return s[np.isfinite(s.to_numpy())]


def _robust_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept at x=0 and slope: Theil-Sen slope (median of pairwise slopes), median intercept."""
    slope = 0.0
    if len(x) >= 3 and np.ptp(x) > 0:
        i, j = _pairs(len(x))
        dx = x[j] - x[i]
        ok = dx != 0
        slope = _median((y[j] - y[i])[ok] / dx[ok])
    return _median(y - slope * x), slope


def _persistence(times: np.ndarray, d: np.ndarray, today: int, base_var: float, p: DriftParams,
                 ) -> tuple[float, float]:
    """AR(1) forecast of today's residual from the last baseline one, and the forecast's variance.

    ``d``: baseline residuals (from the climatology + level, or from the trailing line) in time order.
    Persistence r1 is their lag-1 correlation over consecutive days (0 when ``p.persistence`` is off);
    the one-step error spread is 1.4826 * MAD of ``d[j] - r1 * d[j-1]``. ``base_var`` is the variance
    of the level (or line) itself; it weighs ``(1 - r1**gap)**2``, as the forecast leans on it less."""
    pairs = np.flatnonzero(np.diff(times) == 1) + 1
    r1 = 0.0
    if p.persistence and len(pairs) >= p.min_points:
        r1 = float(np.clip(_corr(d[pairs - 1], d[pairs]), 0.0, 0.95))
    errors = d[pairs] - r1 * d[pairs - 1] if len(pairs) >= p.min_points else d
    gap = max(today - int(times[-1]), 1)
    decay = r1**gap
    step_var = _mad(errors) ** 2 * ((1 - decay**2) / (1 - r1**2) if r1 > 0 else 1.0)
    return decay * float(d[-1]), step_var + (1 - decay) ** 2 * base_var


def _effective_n(resid: np.ndarray) -> float:
    """Independent points among autocorrelated residuals: n (1 - r1) / (1 + r1), r1 the lag-1 correlation."""
    n = len(resid)
    if n < 3 or np.ptp(resid) == 0:
        return float(max(n, 1))
    r1 = float(np.clip(_corr(resid[:-1], resid[1:]), 0.0, 0.95))
    return max(n * (1 - r1) / (1 + r1), 2.0)


def _median(values: np.ndarray) -> float:
    """np.median without its overhead (called ~10 times a day scored)."""
    ordered = np.sort(values)
    n = len(ordered)
    return float((ordered[(n - 1) // 2] + ordered[n // 2]) / 2)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    da, db = a - a.mean(), b - b.mean()
    denom = float(np.sqrt(np.dot(da, da) * np.dot(db, db)))
    return float(np.dot(da, db)) / denom if denom > 0 else 0.0


@lru_cache(maxsize=512)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, 1)


def _mad(values: np.ndarray) -> float:
    return float(MAD_SCALE * _median(np.abs(values - _median(values)))) if len(values) else 0.0


def score_series(series: Mapping[Any, float] | pd.Series, params: DriftParams | None = None,
                 false_alarms: Iterable[Any] = ()) -> list[DayScore]:
    """Score every day of ``series`` in order (each day only against earlier days)."""
    p = params or DriftParams()
    s = as_series(series)
    if s.empty:
        return []
    t = (s.index.to_numpy().astype("datetime64[D]").astype(np.int64)).astype(np.int64)
    x = s.to_numpy()
    marked = {pd.Timestamp(d).normalize().value // 86_400_000_000_000 for d in false_alarms}
    n = len(x)
    baseline = np.zeros(n, dtype=bool)     # usable as baseline (decided when the day was scored)
    recent_ok = np.zeros(n, dtype=bool)    # usable in the recent windows (clip_flagged: flagged days too)
    xb = x.copy()                          # the values the recent windows see (flagged days clipped)
    seasonal = np.full(n, np.nan)          # climatology of each day (seasonal mode only)
    flagged = np.zeros(n, dtype=bool)
    zero_run = np.zeros(n, dtype=np.int64)  # consecutive zero day-to-day changes ending at i
    out: list[DayScore] = []
    flag_run = 0
    for i in range(n):
        if i and t[i] - t[i - 1] == 1 and x[i] == x[i - 1]:
            zero_run[i] = zero_run[i - 1] + 1
        past = np.flatnonzero(baseline[:i])
        result = _score_day(i, t, x, xb, past, np.flatnonzero(recent_ok[:i]), seasonal, zero_run, p)
        flag_run = flag_run + 1 if result.flagged else 0
        accepted = result.flagged and flag_run > p.accept_after and not result.stuck
        baseline[i] = (accepted or not result.flagged) and int(t[i]) not in marked
        if result.flagged and not accepted:  # the unflagged days inside one episode are suspect too
            gap = np.flatnonzero(flagged[:i] & (t[:i] >= t[i] - p.episode_gap))
            if len(gap):
                baseline[gap[0]:i] = False
        flagged[i] = result.flagged
        recent_ok[i] = baseline[i] or (p.clip_flagged and int(t[i]) not in marked and result.low is not None)
        if result.flagged and result.low is not None and result.high is not None:
            xb[i] = min(max(x[i], result.low), result.high)
        out.append(result)
    return out


def _score_day(i: int, t: np.ndarray, x: np.ndarray, xb: np.ndarray, past: np.ndarray,
               usable: np.ndarray, seasonal: np.ndarray, zero_run: np.ndarray, p: DriftParams) -> DayScore:
    day = pd.Timestamp(int(t[i]), unit="D").date()
    value = float(x[i])
    lags = t[i] - t[past]
    years = np.rint(lags / YEAR)
    offset = lags - years * YEAR
    in_window = (years >= 1) & (np.abs(offset) <= p.doy_window)
    # the latest baseline days (by count, within a year: days flagged just before do not empty it)
    recent = usable[t[i] - t[usable] <= 365][-p.trailing_days:]
    mode, expected, spread, n_base, centre, envelope = "none", None, None, 0, None, None
    if len(np.unique(years[in_window])) >= p.min_past_years and in_window.sum() >= p.min_points:
        clim, clim_slope = _robust_line(-offset[in_window], x[past[in_window]])
        seasonal[i] = clim
        # the envelope: past years' values around the climatology, with their year-over-year trend
        # extrapolated to this year (a growing archive is not a ramp), and how far they strayed
        r = x[past[in_window]] - (clim - clim_slope * offset[in_window])
        k = years[in_window]
        ks = np.unique(k)
        medians = np.array([_median(r[k == v]) for v in ks])
        if len(ks) >= p.envelope_min_years:
            now, per_year = _robust_line(ks, medians)
            centre, envelope = clim + now, _mad(r - (now + per_year * k))
        with_clim = recent[np.isfinite(seasonal[recent])]
        resid = xb[with_clim] - seasonal[with_clim]
        if len(resid) >= p.min_points:
            level = _median(resid[-p.level_days:])
            d = resid - level
            level_var = (1.2533 * _mad(d)) ** 2 / _effective_n(d[-p.level_days:])  # a median's variance
            ahead, var = _persistence(t[with_clim], d, int(t[i]), level_var, p)
            mode, expected, n_base = "seasonal", clim + level + ahead, int(in_window.sum())
            spread = float(np.sqrt(var))
    if mode == "none" and len(recent) >= p.min_points:
        line = recent[-p.line_days:]
        xs = (t[line] - t[i]).astype(float)
        intercept, slope = _robust_line(xs, xb[line])
        resid = xb[line] - (intercept + slope * xs)
        # never extrapolate the slope more than ``line_horizon`` days past the last baseline day
        at = min(0.0, float(xs[-1]) + p.line_horizon)
        line_var = _mad(resid) ** 2 * 4 / _effective_n(resid)  # the line's own error at its end
        ahead, var = _persistence(t[line], resid, int(t[i]), line_var, p)
        mode, expected, n_base = "trailing", intercept + slope * at + ahead, len(line)
        spread = float(np.sqrt(var))
    stuck = _stuck(i, t, zero_run, past, p)
    if expected is None or spread is None:
        return DayScore(day, value, None, None, None, None, stuck, stuck, mode, n_base)
    spread = max(spread, p.spread_floor_abs, p.spread_floor_rel * abs(expected))
    if len(recent) and np.all(np.mod(x[recent], 1) == 0):  # counts: no spread below half a unit
        spread = max(spread, p.integer_floor)
    score = (value - expected) / spread
    # a slow ramp is followed by the level term: the seasonal envelope still catches it
    out_of_envelope = p.envelope_threshold > 0 and centre is not None and envelope is not None and abs(
        value - centre) > p.envelope_threshold * max(
        envelope, p.spread_floor_abs, p.spread_floor_rel * abs(centre))
    flagged = bool(abs(score) > p.threshold) or out_of_envelope or stuck
    return DayScore(day, value, expected, expected - p.threshold * spread, expected + p.threshold * spread,
                    float(score), flagged, stuck, mode, n_base)


def _stuck(i: int, t: np.ndarray, zero_run: np.ndarray, past: np.ndarray, p: DriftParams) -> bool:
    run = int(zero_run[i])
    if run < p.stuck_days:
        return False
    start = t[i] - run
    history = past[(t[past] < start) & (t[past] >= start - 365)]
    if len(history) < p.min_points:
        return False
    return run > int(zero_run[history].max(initial=0))


def latest(scores: list[DayScore], day: dt.date) -> DayScore | None:
    return next((s for s in reversed(scores) if s.day == day), None)
