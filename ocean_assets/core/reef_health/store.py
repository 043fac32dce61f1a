"""Persistence of scores: idempotent upserts keyed on (date, reef_id), queries for the API,
fetch-event bookkeeping for /metrics, retention (archive to CSV.gz before delete)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ocean_assets.core.io import atomic_write_bytes, sha256_bytes
from ocean_assets.db.models import FetchEvent, ReefHealthScore, RetentionArchive

SCORE_COLUMNS = ["date", "reef_id", "latitude", "longitude", "area_sqkm", "sst", "sst_anomaly", "dhw",
                 "alert_level", "ph", "score", "stress_score", "method", "anomaly"]
UPSERT_BATCH = 500


def _insert(engine: Engine):  # noqa: ANN202
    return (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(ReefHealthScore)


def upsert_scores(engine: Engine, frame: pd.DataFrame) -> int:
    """Insert or update rows keyed on (date, reef_id) in one transaction; returns rows written."""
    rows: list[dict[str, Any]] = [{str(k): (None if isinstance(v, float) and pd.isna(v) else v)
                                   for k, v in r.items()} for r in frame[SCORE_COLUMNS].to_dict("records")]
    for r in rows:
        r["anomaly"] = bool(r["anomaly"])
        r["alert_level"] = int(r["alert_level"])
        r["updated_at"] = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for start in range(0, len(rows), UPSERT_BATCH):
            stmt = _insert(engine).values(rows[start:start + UPSERT_BATCH])
            updates = {c: stmt.excluded[c] for c in [*SCORE_COLUMNS, "updated_at"] if c not in ("date", "reef_id")}
            conn.execute(stmt.on_conflict_do_update(index_elements=["date", "reef_id"], set_=updates))
    return len(rows)


def record_fetch(engine: Engine, source: str, kind: str, reason: str = "", day: dt.date | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(FetchEvent).values(source=source, kind=kind, reason=reason[:64], day=day))


def rows_for_day(engine: Engine, day: dt.date) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ReefHealthScore).where(ReefHealthScore.date == day)).scalar_one()


def anomaly_rate(engine: Engine, day: dt.date) -> float | None:
    """Share of reefs flagged anomalous on ``day`` (None when the day has no rows)."""
    with engine.connect() as conn:
        total, anomalies = conn.execute(
            select(func.count(), func.sum(case((ReefHealthScore.anomaly, 1), else_=0)))
            .where(ReefHealthScore.date == day)).one().tuple()
    return None if not total else float(anomalies or 0) / total


def to_csv_gz(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*SCORE_COLUMNS, "updated_at"])
    writer.writeheader()
    writer.writerows(rows)
    return gzip.compress(buf.getvalue().encode(), mtime=0)


def retention_status(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        total, first, last = conn.execute(select(func.count(), func.min(ReefHealthScore.date),
                                                 func.max(ReefHealthScore.date))).one()
        archives = conn.execute(select(RetentionArchive.__table__).order_by(RetentionArchive.first_date)).mappings().all()
    return {"rows": total, "first_date": str(first) if first else None, "last_date": str(last) if last else None,
            "archives": [{"first_date": str(a["first_date"]), "last_date": str(a["last_date"]), "rows": a["rows"],
                          "path": a["path"]} for a in archives]}


def archive_older_than(engine: Engine, days: int, directory: Path, today: dt.date) -> dict[str, Any]:
    """Write rows older than ``days`` to a CSV.gz (atomic) and record the archive; deletes nothing."""
    cutoff = today - dt.timedelta(days=days)
    with engine.connect() as conn:
        result = conn.execute(select(ReefHealthScore.__table__).where(ReefHealthScore.date < cutoff)
                              .order_by(ReefHealthScore.date, ReefHealthScore.reef_id))
        rows = [{k: v for k, v in r._mapping.items() if k != "id"} for r in result]
    if not rows:
        return {"rows": 0, "path": None, "cutoff": str(cutoff)}
    first, last = rows[0]["date"], rows[-1]["date"]
    data = to_csv_gz(rows)
    path = Path(directory) / f"reef_health_scores_{first:%Y%m%d}_{last:%Y%m%d}.csv.gz"
    atomic_write_bytes(path, data)
    with engine.begin() as conn:
        conn.execute(insert(RetentionArchive).values(
            first_date=first, last_date=last, rows=len(rows), path=str(path), sha256=sha256_bytes(data)))
    return {"rows": len(rows), "path": str(path), "cutoff": str(cutoff)}


class UnarchivedDataError(RuntimeError):
    """Deleting would lose rows that no archive holds."""


def delete_older_than(engine: Engine, days: int, today: dt.date, force: bool = False) -> int:
    """Delete rows older than ``days``; refuses when any of their dates was never archived."""
    cutoff = today - dt.timedelta(days=days)
    with engine.begin() as conn:
        dates = [d for (d,) in conn.execute(select(ReefHealthScore.date).where(ReefHealthScore.date < cutoff).distinct())]
        archives = conn.execute(select(RetentionArchive.first_date, RetentionArchive.last_date)).all()
        unarchived = sorted(d for d in dates if not any(a <= d <= b for a, b in archives))
        if unarchived and not force:
            raise UnarchivedDataError(
                f"{len(unarchived)} day(s) older than {cutoff} were never archived "
                f"({unarchived[0]} .. {unarchived[-1]}); run --archive-days {days} first or pass --force")
        return conn.execute(delete(ReefHealthScore).where(ReefHealthScore.date < cutoff)).rowcount
