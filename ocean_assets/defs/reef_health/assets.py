"""Reef polygons -> CRW daily grids -> per-reef conditions (with pH from `acidity`) -> health scores."""

import contextlib
import datetime as dt
import hashlib
import tempfile

import dagster as dg
import geopandas as gpd
import pandas as pd
import xarray as xr
from sqlalchemy.exc import InterfaceError, OperationalError

from ocean_assets.core.io import atomic_path
from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.reef_health import alerts, crw_file, polygons
from ocean_assets.core.reef_health.join import join_conditions
from ocean_assets.core.reef_health.scoring import score_frame
from ocean_assets.core.reef_health.store import record_fetch, upsert_scores
from ocean_assets.core.retry import call_with_retry
from ocean_assets.dagster_support import Day, DayFailure, DayOutput, daily_asset, fail_permanently
from ocean_assets.dagster_support.policy import domain_job, freshness_checks_for
from ocean_assets.defs.reef_health.resources import ReefHealthResource

GROUP = "reef_health"


def polygons_path(r: ReefHealthResource, key: str):  # noqa: ANN201
    return r.data_dir() / "reefs" / f"reef_polygons_{key.replace('-', '')}.geojson"


def crw_path(r: ReefHealthResource, key: str):  # noqa: ANN201
    return r.data_dir() / "crw" / key[:4] / f"crw_{key.replace('-', '')}.nc"


def conditions_path(r: ReefHealthResource, key: str):  # noqa: ANN201
    return r.data_dir() / "conditions" / f"reef_conditions_{key.replace('-', '')}.parquet"


def fetch_recorder(context: dg.AssetExecutionContext, reef_health: ReefHealthResource):  # noqa: ANN201
    """record(source, kind, reason="", day=None): fetch events for /metrics. Best effort: a database
    outage is logged once and must not stop the downloaded files from landing."""
    state: dict = {"engine": None, "warned": False}

    def record(source: str, kind: str, reason: str = "", day: dt.date | None = None) -> None:
        try:
            state["engine"] = state["engine"] or reef_health.engine()
            record_fetch(state["engine"], source, kind, reason, day)
        except (OperationalError, InterfaceError) as exc:
            if not state["warned"]:
                context.log.warning(f"fetch events not recorded, /metrics will miss them (database "
                                    f"unavailable: {type(exc.orig or exc).__name__})")
                state["warned"] = True

    return record


def failure_reason(exc: BaseException) -> str:
    """The fetch-failure label for /metrics: "permanent" when fail_permanently turned it into a
    non-retried Failure, else the error class (a transient fault Dagster will retry)."""
    return "permanent" if isinstance(exc, dg.Failure) else type(exc).__name__


def _latest_polygons(r: ReefHealthResource, day: dt.date):  # noqa: ANN202
    """The newest polygon file within refresh_days before ``day`` (polygons change rarely)."""
    refresh = r.config()["allen"]["refresh_days"]
    for back in range(1, refresh):
        path = polygons_path(r, (day - dt.timedelta(days=back)).isoformat())
        if path.exists():
            return path
    return None


def _recorder(day: Day, reef_health: ReefHealthResource):  # noqa: ANN202
    """One best-effort fetch recorder per run (see fetch_recorder)."""
    if "record" not in day.shared:
        day.shared["record"] = fetch_recorder(day.context, reef_health)
    return day.shared["record"]


@daily_asset(name="reef_polygons", group=GROUP, pool="allen_wfs", remote=True, kinds={"geojson", "geopandas"},
             description="Allen Coral Atlas reef polygons (class, area) over the region, from the WFS in bbox "
                         "tiles; reused for `refresh_days` since they change rarely.")
def reef_polygons(day: Day, reef_health: ReefHealthResource) -> DayOutput:
    target = polygons_path(reef_health, day.key)
    previous = _latest_polygons(reef_health, day.date)
    if previous is not None and not target.exists():
        with atomic_path(target) as tmp:
            tmp.write_bytes(previous.read_bytes())
        return DayOutput(files=[target], metadata={"reefs": len(gpd.read_file(target)),
                                                   "reused_from": previous.name})
    record = _recorder(day, reef_health)
    record("allen", "fetch", day=day.date)
    try:
        with fail_permanently("Allen Coral Atlas: "):
            frame = reef_health.polygons().fetch(reef_health.bbox())
    except Exception as exc:
        record("allen", "failure", failure_reason(exc), day.date)
        raise
    if frame.empty:
        raise DayFailure(f"the atlas returned no reef polygons for {reef_health.bbox()}")
    with atomic_path(target) as tmp:
        polygons.write(frame, tmp)
    return DayOutput(files=[target], metadata={"reefs": len(frame)})


@daily_asset(name="crw_daily", group=GROUP, pool="erddap", remote=True, kinds={"netcdf", "xarray"},
             description="Coral Reef Watch daily 5 km SST, SST anomaly, DHW and bleaching alert area "
                         "(ERDDAP dhw_5km, latitude descending) over the reef region.")
def crw_daily(day: Day, reef_health: ReefHealthResource) -> DayOutput:
    record = _recorder(day, reef_health)
    record("noaa", "fetch", day=day.date)
    with tempfile.TemporaryDirectory() as workdir:
        try:
            with fail_permanently():
                ds = reef_health.crw().fetch(day.date, reef_health.bbox(), workdir)
        except Exception as exc:
            record("noaa", "failure", failure_reason(exc), day.date)
            raise
    # CRW_BAA from HotSpot and DHW by CRW's 0-7 definition, whatever coding the server used
    ds, disagreeing = alerts.recompute_served_levels(ds)
    target = crw_path(reef_health, day.key)
    with atomic_path(target) as tmp:
        crw_file.write(ds, day.date, tmp, live=reef_health.live())
    return DayOutput(files=[target], metadata={
        "cells": int(ds["CRW_SST"].notnull().sum()), "mean_sst": round(float(ds["CRW_SST"].mean()), 2),
        "max_dhw": round(float(ds["CRW_DHW"].max()), 2),
        **({"baa_levels": "as served: CRW_HOTSPOT or CRW_DHW not requested"} if disagreeing is None else
           {"baa_levels": "computed from CRW_HOTSPOT and CRW_DHW (CRW 0-7)",
            "baa_served_disagreeing_cells": disagreeing})})


@daily_asset(name="reef_conditions", group=GROUP, deps=[reef_polygons, crw_daily, dg.AssetKey("acidity")],
             kinds={"parquet", "geopandas"}, automation_condition=dg.AutomationCondition.eager(),
             description="Per-reef conditions: mean of the CRW cells inside each reef polygon (or the nearest "
                         "ocean cell), pH from the ocean domain's `acidity` asset.")
def reef_conditions(day: Day, reef_health: ReefHealthResource) -> DayOutput:
    from ocean_assets.settings import get_settings

    acidity = product_path(get_settings().data_root, "acidity", day.key)
    for needed, what in ((polygons_path(reef_health, day.key), "reef_polygons"),
                         (crw_path(reef_health, day.key), "crw_daily"), (acidity, "acidity")):
        if not needed.exists():
            raise DayFailure(f"materialize {what} for {day.key} first (missing {needed.name}; pH comes "
                             f"from the ocean domain)" if what == "acidity" else
                             f"materialize {what} for {day.key} first (missing {needed.name})")
    reefs = gpd.read_file(polygons_path(reef_health, day.key))
    with xr.open_dataset(crw_path(reef_health, day.key)) as crw:
        crw = crw.load()
    with xr.open_dataset(acidity) as ph:
        conditions = join_conditions(reefs, crw, ph.load())
    conditions.insert(0, "date", day.date)
    path = conditions_path(reef_health, day.key)
    with atomic_path(path) as tmp:
        conditions.to_parquet(tmp, index=False)
    return DayOutput(files=[path], metadata={
        "reefs": len(conditions), "reefs_with_cells_inside": int((conditions["cells"] > 0).sum())},
        preview=conditions.head(10).round(3).to_markdown(index=False))


@contextlib.contextmanager
def _scores_database(context: dg.AssetExecutionContext, reef_health: ReefHealthResource):  # noqa: ANN202
    """The engine, reached with retries: a database restart or dropped connection is transient."""
    backoff = reef_health.database_backoff()

    def retrying(fn):  # noqa: ANN001, ANN202
        return call_with_retry(fn, backoff, retry_on=(OperationalError, InterfaceError), on_retry=lambda n, exc, wait:
                               context.log.warning(f"database unavailable ({type(exc.orig or exc).__name__}); "
                                                   f"attempt {n}/{backoff.attempts}, retrying in {wait:.1f}s"))

    yield retrying(reef_health.engine), retrying


@daily_asset(name="health_scores", group=GROUP, deps=[reef_conditions], kinds={"postgres", "sqlite"},
             automation_condition=dg.AutomationCondition.eager(), setup=_scores_database,
             description="Reef health scores and anomalies, upserted into the database keyed on (date, reef_id): "
                         "re-running a day never duplicates or loses rows.")
def health_scores(day: Day, reef_health: ReefHealthResource) -> DayOutput:
    engine, retrying = day.state
    source = conditions_path(reef_health, day.key)
    if not source.exists():
        raise DayFailure(f"materialize reef_conditions for {day.key} first (missing {source.name})")
    cfg = reef_health.score_config()
    scored = score_frame(pd.read_parquet(source), cfg)
    written = retrying(lambda: upsert_scores(engine, scored))  # one transaction per try
    digest = hashlib.sha256(pd.util.hash_pandas_object(scored.drop(columns=["date"]), index=False)
                            .values.tobytes()).hexdigest()
    return DayOutput(version=digest, metadata={
        "rows_upserted": written, "method": cfg.method, "anomalies": int(scored["anomaly"].sum()),
        "mean_score": round(float(scored["score" if cfg.method == "reference" else "stress_score"].mean()), 2),
        "database": engine.url.render_as_string(hide_password=True).split("?")[0]})


reef_health_freshness = freshness_checks_for([reef_polygons, crw_daily, reef_conditions, health_scores])
reef_health_daily = domain_job(
    "reef_health_daily", GROUP, freshness=reef_health_freshness,
    description="Reef polygons, CRW grids, conditions and scores for one day (acidity must exist).")
