"""Tables: reef health scores (keyed on date + reef), fetch events (for metrics), retention archives,
ship-chips AIS observation retry state. Every table is created by the Alembic migrations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ReefHealthScore(Base):
    __tablename__ = "reef_health_scores"
    __table_args__ = (UniqueConstraint("date", "reef_id", name="uq_reef_health_date_reef"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    reef_id: Mapped[str] = mapped_column(String(64), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    area_sqkm: Mapped[float] = mapped_column(Float)
    sst: Mapped[float] = mapped_column(Float)            # degC
    sst_anomaly: Mapped[float] = mapped_column(Float)    # degC
    dhw: Mapped[float] = mapped_column(Float)            # degC-weeks
    alert_level: Mapped[int] = mapped_column(Integer)    # CRW bleaching alert area 0..7 (core.reef_health.alerts)
    ph: Mapped[float | None] = mapped_column(Float, nullable=True)
    score: Mapped[float] = mapped_column(Float)
    stress_score: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(16))
    anomaly: Mapped[bool] = mapped_column(Boolean, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FetchEvent(Base):
    """Persisted fetch attempts, retries and failures per source, so /metrics survives restarts."""

    __tablename__ = "pipeline_fetch_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))        # fetch | retry | failure
    reason: Mapped[str] = mapped_column(String(64), default="")
    day: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RetentionArchive(Base):
    """A CSV.gz archive of score rows; deleting rows requires their dates to be covered here."""

    __tablename__ = "retention_archives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AisObservation(Base):
    """Per-observation retry state of the ship-chips pipeline (core.ship_chips.retry_store)."""

    __tablename__ = "ship_chips_ais_observations"

    obs_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    mmsi: Mapped[int] = mapped_column(BigInteger)
    scene_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # done | failed | exhausted
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    next_retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CheckFigure(Base):
    """One numeric figure of one per-day check evaluation (core.drift.history)."""

    __tablename__ = "check_figures"
    __table_args__ = (UniqueConstraint("asset", "check", "figure", "day", name="uq_check_figures_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset: Mapped[str] = mapped_column(String(200), index=True)
    check: Mapped[str] = mapped_column(String(100))
    figure: Mapped[str] = mapped_column(String(100))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FalseAlarm(Base):
    """A drift warning an operator marked as a false alarm: the day leaves the figure's baseline."""

    __tablename__ = "drift_false_alarms"
    __table_args__ = (UniqueConstraint("asset", "check", "figure", "day", name="uq_drift_false_alarms_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset: Mapped[str] = mapped_column(String(200), index=True)
    check: Mapped[str] = mapped_column(String(100))
    figure: Mapped[str] = mapped_column(String(100))
    day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
