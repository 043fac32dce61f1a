"""The history of check figures and the false-alarm marks, in the project's database
(``DATABASE_URL``, default the SQLite file under the data root: ``ocean_assets.db``)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from ocean_assets.core.drift.figures import numeric_figures
from ocean_assets.db import get_engine, migrate
from ocean_assets.db.models import CheckFigure, FalseAlarm

_MIGRATED: set[str] = set()
_LOCK = threading.Lock()


def engine_for(url: str | None = None) -> Engine:
    """The project's engine, migrated once per process and URL."""
    engine = get_engine(url)
    key = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        if key not in _MIGRATED:
            migrate(url)
            _MIGRATED.add(key)
    return engine


def record_figures(engine: Engine, asset: str, check: str, day: dt.date,
                   figures: Mapping[str, float], now: dt.datetime | None = None) -> int:
    """Insert or replace the day's figures of one check (a re-run overwrites); returns rows written."""
    if not figures:
        return 0
    stamp = now or dt.datetime.now(dt.UTC)
    table = cast(sa.Table, CheckFigure.__table__)
    rows = [{"asset": asset, "check": check, "figure": f, "day": day, "value": v, "recorded_at": stamp}
            for f, v in figures.items()]
    for attempt in range(2):  # a concurrent writer of the same key: the second attempt replaces it
        try:
            with engine.begin() as conn:
                conn.execute(table.delete().where(table.c.asset == asset, table.c.check == check,
                                                  table.c.day == day, table.c.figure.in_(list(figures))))
                conn.execute(table.insert(), rows)
            return len(rows)
        except IntegrityError:
            if attempt:
                raise
    return 0


def load_series(engine: Engine, asset: str, check: str, figure: str, start: dt.date | None = None,
                end: dt.date | None = None) -> pd.Series:
    t = cast(sa.Table, CheckFigure.__table__)
    query = sa.select(t.c.day, t.c.value).where(t.c.asset == asset, t.c.check == check, t.c.figure == figure)
    if start is not None:
        query = query.where(t.c.day >= start)
    if end is not None:
        query = query.where(t.c.day <= end)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.day)).all()
    return pd.Series([r.value for r in rows], index=[r.day for r in rows], dtype="float64")


def figures_of(engine: Engine, asset: str | None = None) -> list[tuple[str, str, str]]:
    """(asset, check, figure) triples with history, sorted."""
    t = cast(sa.Table, CheckFigure.__table__)
    query = sa.select(t.c.asset, t.c.check, t.c.figure).distinct()
    if asset is not None:
        query = query.where(t.c.asset == asset)
    with engine.connect() as conn:
        return sorted((r.asset, r.check, r.figure) for r in conn.execute(query))


def false_alarm_days(engine: Engine, asset: str, check: str, figure: str) -> set[dt.date]:
    t = cast(sa.Table, FalseAlarm.__table__)
    with engine.connect() as conn:
        return set(conn.execute(sa.select(t.c.day).where(t.c.asset == asset, t.c.check == check,
                                                         t.c.figure == figure)).scalars())


def mark_false_alarm(engine: Engine, asset: str, check: str, figure: str, day: dt.date, note: str = "",
                     now: dt.datetime | None = None) -> bool:
    """Mark one figure-day as a false alarm; False when it was already marked."""
    t = cast(sa.Table, FalseAlarm.__table__)
    with engine.begin() as conn:
        exists = conn.execute(sa.select(t.c.id).where(t.c.asset == asset, t.c.check == check,
                                                      t.c.figure == figure, t.c.day == day)).first()
        if exists:
            return False
        conn.execute(t.insert().values(asset=asset, check=check, figure=figure, day=day, note=note,
                                       marked_at=now or dt.datetime.now(dt.UTC)))
    return True


def checks_with_figure(engine: Engine, asset: str, figure: str) -> list[str]:
    return sorted({c for a, c, f in figures_of(engine, asset) if f == figure})


def record_outcomes(asset: str, partition: str, outcomes: Iterable[tuple[str, Mapping[str, Any]]],
                    url: str | None = None) -> int:
    """Record the numeric figures of one day's outcomes ((check name, metadata) pairs)."""
    day = dt.date.fromisoformat(partition)
    engine = engine_for(url)
    return sum(record_figures(engine, asset, check, day, numeric_figures(metadata))
               for check, metadata in outcomes)
