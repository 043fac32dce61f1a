"""Prometheus metrics for /metrics.

Counts computed from table sizes are gauges: retention deletes rows, so they go down, and a counter
that goes down reads as a restart to Prometheus (increase() would count the whole table again).
The database being unreachable is itself a metric (`ocean_assets_database_up 0`): the scrape still
answers with the process and lag metrics instead of failing whole."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ocean_assets.core.reef_health import alerts
from ocean_assets.db.models import FetchEvent, ReefHealthScore

log = logging.getLogger(__name__)
DATABASE_ERRORS = (OperationalError, InterfaceError, DBAPIError)


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self) -> dict:
        t = ReefHealthScore
        with self.engine.connect() as conn:
            latest = conn.execute(select(func.max(t.date))).scalar_one()
            total, anomalies = conn.execute(select(func.count(), func.sum(case((t.anomaly, 1), else_=0)))).one()
            averages, levels = (None, None, None), []
            if latest is not None:
                averages = conn.execute(
                    select(func.avg(t.sst), func.avg(t.ph),
                           func.avg(case((t.method == "reference", t.score), else_=t.stress_score)))
                    .where(t.date == latest)).one()
                levels = conn.execute(select(t.alert_level, func.count()).where(t.date == latest)
                                      .group_by(t.alert_level)).all()
            events = conn.execute(select(FetchEvent.source, FetchEvent.kind, FetchEvent.reason, func.count())
                                  .group_by(FetchEvent.source, FetchEvent.kind, FetchEvent.reason)).all()
        return {"latest": latest, "total": total, "anomalies": anomalies, "averages": averages,
                "levels": dict(levels), "events": events}

    def collect(self) -> Iterator:
        up = GaugeMetricFamily("ocean_assets_database_up", "1 when the project database answered this scrape")
        try:
            data = self._read()
        except DATABASE_ERRORS as exc:
            log.warning("metrics: database unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        avg_sst, avg_ph, avg_score = data["averages"]
        for name, doc, value in (
            ("ocean_avg_sst_celsius", "Mean reef SST on the latest day (degC)", avg_sst),
            ("ocean_avg_ph", "Mean reef pH on the latest day", avg_ph),
            ("ocean_avg_health_score", "Mean reef health score on the latest day", avg_score),
        ):
            gauge = GaugeMetricFamily(name, doc)
            if value is not None:
                gauge.add_metric([], float(value))
            yield gauge
        yield GaugeMetricFamily("ocean_records", "Reef health rows stored (falls when retention deletes rows)",
                                value=float(data["total"] or 0))
        yield GaugeMetricFamily("ocean_anomalies", "Reef health rows stored that are flagged anomalous",
                                value=float(data["anomalies"] or 0))
        by_level = GaugeMetricFamily("ocean_reefs_by_alert_level",
                                     "Reefs per NOAA CRW Bleaching Alert Area level (0-7) on the latest day",
                                     labels=["level", "name"])
        if data["latest"] is not None:
            for level in alerts.LEVELS:
                by_level.add_metric([str(level.code), level.name], float(data["levels"].get(level.code, 0)))
        yield by_level
        latest_day = GaugeMetricFamily("ocean_latest_day_timestamp_seconds", "Midnight UTC of the newest scored day")
        if data["latest"] is not None:
            latest_day.add_metric([], dt.datetime.combine(data["latest"], dt.time(), dt.UTC).timestamp())
        yield latest_day
        fetches = GaugeMetricFamily("ai_pipeline_fetches", "Fetch attempts recorded, by source", labels=["source"])
        retries = GaugeMetricFamily("ai_pipeline_fetch_retries", "Fetch retries recorded, by source and reason",
                                    labels=["source", "reason"])
        failures = GaugeMetricFamily("ai_pipeline_fetch_failures", "Fetch failures recorded, by source",
                                     labels=["source"])
        totals: dict[tuple[str, str], float] = {}
        for source, kind, reason, count in data["events"]:
            if kind == "retry":
                retries.add_metric([source, reason or "unknown"], float(count))
            else:
                totals[(source, kind)] = totals.get((source, kind), 0.0) + float(count)
        for (source, kind), count in sorted(totals.items()):
            (fetches if kind == "fetch" else failures).add_metric([source], count)
        yield from (fetches, retries, failures)


class LagCollector(Collector):
    """Lag per daily asset from the Dagster instance; a failure to read it loses only this metric."""

    def __init__(self, lag_source: Callable[[], dict[str, float]]) -> None:
        self.lag_source = lag_source

    def collect(self) -> Iterator:
        lag = GaugeMetricFamily("ocean_assets_asset_lag_seconds",
                                "Seconds since each daily asset's latest partition was due", labels=["asset"])
        up = GaugeMetricFamily("ocean_assets_lag_up", "1 when the Dagster instance answered for the lag metric")
        try:
            lags = self.lag_source()
        except Exception as exc:  # noqa: BLE001 - any instance error: report it, keep the scrape
            log.warning("metrics: asset lag unavailable (%s: %s)", type(exc).__name__, exc)
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        for asset, seconds in sorted(lags.items()):
            lag.add_metric([asset], float(seconds))
        yield from (up, lag)
