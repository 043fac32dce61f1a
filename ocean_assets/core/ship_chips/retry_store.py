"""Per-observation retry state (retry_count, next_retry_at) in the project's database (SQLAlchemy).

The table is the model ``db.models.AisObservation``, created by the project's Alembic migrations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ocean_assets.core.retry import Backoff
from ocean_assets.db import get_engine, migrate
from ocean_assets.db.models import AisObservation, Base

ais_observations: sa.Table = Base.metadata.tables[AisObservation.__tablename__]


def _naive(now: dt.datetime) -> dt.datetime:
    """UTC without tzinfo: SQLite stores naive datetimes, so compare like with like."""
    return now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now


def engine_for(url: str) -> sa.Engine:
    """The project database at ``url``, migrated to the current schema."""
    migrate(url)
    return get_engine(url)


def _get(conn: sa.Connection, obs_id: str) -> Any:
    return conn.execute(sa.select(ais_observations).where(ais_observations.c.obs_id == obs_id)).first()


def _upsert(conn: sa.Connection, obs_id: str, values: dict[str, Any]) -> None:
    if _get(conn, obs_id) is None:
        conn.execute(ais_observations.insert().values(obs_id=obs_id, **values))
    else:
        conn.execute(ais_observations.update().where(ais_observations.c.obs_id == obs_id).values(**values))


def record_failure(engine: sa.Engine, *, obs_id: str, day: str, mmsi: int, scene_id: str, error: str,
                   now: dt.datetime, backoff: Backoff, max_retries: int) -> int:
    """Count one more failure; schedule the next attempt with exponential backoff (no jitter)."""
    now = _naive(now)
    with engine.begin() as conn:
        row = _get(conn, obs_id)
        count = (row.retry_count if row else 0) + 1
        status = "failed" if count <= max_retries else "exhausted"
        delay = Backoff(base_seconds=backoff.base_seconds, max_seconds=backoff.max_seconds,
                        jitter=False).delay(count)
        _upsert(conn, obs_id, {"day": day, "mmsi": mmsi, "scene_id": scene_id, "status": status,
                               "retry_count": count, "last_error": error[:1000], "updated_at": now,
                               "next_retry_at": now + dt.timedelta(seconds=delay) if status == "failed" else None})
    return count


def record_success(engine: sa.Engine, *, obs_id: str, day: str, mmsi: int, scene_id: str,
                   now: dt.datetime) -> None:
    now = _naive(now)
    with engine.begin() as conn:
        row = _get(conn, obs_id)
        _upsert(conn, obs_id, {"day": day, "mmsi": mmsi, "scene_id": scene_id, "status": "done",
                               "retry_count": row.retry_count if row else 0, "next_retry_at": None,
                               "last_error": None, "updated_at": now})


def due_days(engine: sa.Engine, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
    """Days with failed observations whose retry is due: (day, highest retry_count), oldest first."""
    t, now = ais_observations, _naive(now)
    query = (sa.select(t.c.day, sa.func.max(t.c.retry_count))
             .where(t.c.status == "failed", t.c.next_retry_at <= now)
             .group_by(t.c.day).order_by(t.c.day).limit(limit))
    with engine.connect() as conn:
        return [(r[0], int(r[1])) for r in conn.execute(query)]


def failures(engine: sa.Engine, day: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    t = ais_observations
    query = sa.select(t).where(t.c.status != "done").order_by(t.c.updated_at.desc()).limit(limit)
    if day:
        query = query.where(t.c.day == day)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
