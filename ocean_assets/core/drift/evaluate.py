"""Scoring recorded figures: one asset-day (the drift check) and the open anomalies (the CLI, report)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from ocean_assets.core.drift.history import false_alarm_days, figures_of, load_series
from ocean_assets.core.drift.score import DayScore, score_series
from ocean_assets.core.drift.settings import drift_config, history_days, params_for


@dataclass(frozen=True)
class FigureDrift:
    asset: str
    check: str
    figure: str
    score: DayScore

    @property
    def key(self) -> str:
        return f"{self.check}.{self.figure}"


def figure_scores(engine: Engine, asset: str, check: str, figure: str, end: dt.date,
                  section: dict[str, Any] | None = None) -> list[DayScore]:
    """Every day of the figure's history up to ``end`` scored (false alarms leave the baseline)."""
    section = drift_config() if section is None else section
    start = end - dt.timedelta(days=history_days(section))
    series = load_series(engine, asset, check, figure, start, end)
    marked = false_alarm_days(engine, asset, check, figure)
    return score_series(series, params_for(asset, check, figure, section), false_alarms=marked)


def asset_day(engine: Engine, asset: str, day: dt.date) -> list[FigureDrift]:
    """The day's score of every figure of ``asset`` recorded that day."""
    return asset_days(engine, asset, [day]).get(day, [])


def asset_days(engine: Engine, asset: str, days: list[dt.date]) -> dict[dt.date, list[FigureDrift]]:
    """Scores of every figure of ``asset`` on each of ``days``. The score is causal (a day only sees
    earlier days), so each figure is scored once, up to the last day, for a whole range."""
    section = drift_config()
    wanted = set(days)
    out: dict[dt.date, list[FigureDrift]] = {d: [] for d in days}
    if not days:
        return out
    for a, check, figure in figures_of(engine, asset):
        for s in figure_scores(engine, a, check, figure, max(days), section):
            if s.day in wanted:
                out[s.day].append(FigureDrift(a, check, figure, s))
    return out


def open_anomalies(engine: Engine, end: dt.date, days: int = 30, asset: str | None = None,
                   ) -> list[FigureDrift]:
    """Flagged figure-days in the ``days`` ending on ``end`` not marked as false alarms."""
    section = drift_config()
    first = end - dt.timedelta(days=days - 1)
    out = []
    for a, check, figure in figures_of(engine, asset):
        marked = false_alarm_days(engine, a, check, figure)
        out += [FigureDrift(a, check, figure, s) for s in figure_scores(engine, a, check, figure, end, section)
                if s.flagged and s.day >= first and s.day not in marked]
    return sorted(out, key=lambda f: (f.score.day, f.asset, f.check, f.figure))
