"""Prometheus metrics computed from the database on each scrape (persisted state, not process
counters that vanish with every run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select

from ocean_assets.db.models import FetchEvent, ReefHealthScore


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine, lag_source=None) -> None:  # noqa: ANN001
        self.engine = engine
        self.lag_source = lag_source  # callable -> {asset: lag seconds}, optional

    def collect(self) -> Iterator:
        with self.engine.connect() as conn:
            latest = conn.execute(select(func.max(ReefHealthScore.date))).scalar_one()
            total, anomalies = conn.execute(select(
                func.count(), func.sum(case((ReefHealthScore.anomaly, 1), else_=0)))).one()
            avg_sst = avg_ph = avg_score = None
            if latest is not None:
                avg_sst, avg_ph, avg_score = conn.execute(
                    select(func.avg(ReefHealthScore.sst), func.avg(ReefHealthScore.ph),
                           func.avg(case((ReefHealthScore.method == "reference", ReefHealthScore.score),
                                         else_=ReefHealthScore.stress_score)))
                    .where(ReefHealthScore.date == latest)).one()
            events = conn.execute(select(FetchEvent.source, FetchEvent.kind, FetchEvent.reason, func.count())
                                  .group_by(FetchEvent.source, FetchEvent.kind, FetchEvent.reason)).all()
        for name, doc, value in (
            ("ocean_avg_sst_celsius", "Mean reef SST on the latest day (degC)", avg_sst),
            ("ocean_avg_ph", "Mean reef pH on the latest day", avg_ph),
            ("ocean_avg_health_score", "Mean reef health score on the latest day", avg_score),
        ):
            gauge = GaugeMetricFamily(name, doc)
            if value is not None:
                gauge.add_metric([], float(value))
            yield gauge
        yield CounterMetricFamily("ocean_records", "Reef health rows stored", value=float(total or 0))
        yield CounterMetricFamily("ocean_anomalies", "Reef health rows flagged anomalous", value=float(anomalies or 0))
        latest_day = GaugeMetricFamily("ocean_latest_day_timestamp_seconds", "Midnight UTC of the newest scored day")
        if latest is not None:
            latest_day.add_metric([], dt.datetime.combine(latest, dt.time(), dt.UTC).timestamp())
        yield latest_day
        fetches = CounterMetricFamily("ai_pipeline_fetches", "Fetch attempts by source", labels=["source"])
        retries = CounterMetricFamily("ai_pipeline_fetch_retries", "Fetch retries by source and reason",
                                      labels=["source", "reason"])
        failures = CounterMetricFamily("ai_pipeline_fetch_failures", "Fetch failures by source", labels=["source"])
        totals: dict[tuple[str, str], float] = {}
        for source, kind, reason, count in events:
            if kind == "retry":
                retries.add_metric([source, reason or "unknown"], float(count))
            else:
                totals[(source, kind)] = totals.get((source, kind), 0.0) + float(count)
        for (source, kind), count in sorted(totals.items()):
            (fetches if kind == "fetch" else failures).add_metric([source], count)
        yield from (fetches, retries, failures)
        if self.lag_source is not None:
            lag = GaugeMetricFamily("ocean_assets_asset_lag_seconds",
                                    "Seconds since each daily asset's latest partition was due", labels=["asset"])
            for asset, seconds in sorted(self.lag_source().items()):
                lag.add_metric([asset], float(seconds))
            yield lag
