"""Reef polygons -> CRW daily grids -> per-reef conditions (with pH from `acidity`) -> health scores."""

import datetime as dt
import hashlib
import tempfile

import dagster as dg
import geopandas as gpd
import pandas as pd
import xarray as xr
from sqlalchemy.exc import InterfaceError, OperationalError

from ocean_assets.core.io import atomic_path, sha256_file
from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.reef_health.join import join_conditions
from ocean_assets.core.reef_health.scoring import score_frame
from ocean_assets.core.reef_health.store import record_fetch, upsert_scores
from ocean_assets.core.retry import call_with_retry
from ocean_assets.dagster_support import REMOTE_RETRY, fail_permanently, run_partition_keys
from ocean_assets.defs.reef_health.resources import ReefHealthResource
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions

GROUP = "reef_health"
OWNERS = ["team:reef-health"]
SINGLE_RUN = dg.BackfillPolicy.single_run()


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
    refresh = int(r.config()["allen"].get("refresh_days", 7))
    for back in range(1, refresh):
        path = polygons_path(r, (day - dt.timedelta(days=back)).isoformat())
        if path.exists():
            return path
    return None


@dg.asset(group_name=GROUP, partitions_def=daily_partitions, freshness_policy=DAILY_FRESHNESS, backfill_policy=SINGLE_RUN, retry_policy=REMOTE_RETRY,
          pool="allen_wfs", kinds={"geojson", "geopandas"}, owners=OWNERS, code_version="1",
          description="Allen Coral Atlas reef polygons (class, area) over the region, from the WFS in bbox "
                      "tiles; reused for `refresh_days` since they change rarely.")
def reef_polygons(context: dg.AssetExecutionContext, reef_health: ReefHealthResource) -> dg.MaterializeResult:
    record = fetch_recorder(context, reef_health)
    counts = []
    for key in run_partition_keys(context):
        target = polygons_path(reef_health, key)
        previous = _latest_polygons(reef_health, dt.date.fromisoformat(key))
        if previous is not None and not target.exists():
            with fail_permanently(), atomic_path(target) as tmp:  # disk full: no retry
                tmp.write_bytes(previous.read_bytes())
            counts.append(len(gpd.read_file(target)))
            continue
        record("allen", "fetch", day=dt.date.fromisoformat(key))
        try:
            with fail_permanently("Allen Coral Atlas: "):
                frame = reef_health.polygons().fetch(reef_health.bbox())
        except Exception as exc:
            record("allen", "failure", failure_reason(exc), dt.date.fromisoformat(key))
            raise
        if frame.empty:
            raise dg.Failure(f"the atlas returned no reef polygons for {reef_health.bbox()}")
        with fail_permanently(), atomic_path(target) as tmp:  # an explicit layer name, or GDAL names it after the temp file
            frame.to_file(tmp, driver="GeoJSON", layer="reef_polygons")
        counts.append(len(frame))
    last = polygons_path(reef_health, run_partition_keys(context)[-1])
    return dg.MaterializeResult(metadata={"reefs": counts[-1], "path": dg.MetadataValue.path(str(last)),
                                          "sha256": sha256_file(last)},
                                data_version=dg.DataVersion(sha256_file(last)))


@dg.asset(group_name=GROUP, partitions_def=daily_partitions, freshness_policy=DAILY_FRESHNESS, backfill_policy=SINGLE_RUN, retry_policy=REMOTE_RETRY,
          pool="erddap", kinds={"netcdf", "xarray"}, owners=OWNERS, code_version="1",
          description="Coral Reef Watch daily 5 km SST, SST anomaly, DHW and bleaching alert area "
                      "(ERDDAP dhw_5km, latitude descending) over the reef region.")
def crw_daily(context: dg.AssetExecutionContext, reef_health: ReefHealthResource) -> dg.MaterializeResult:
    record = fetch_recorder(context, reef_health)
    rows = []
    for key in run_partition_keys(context):
        day = dt.date.fromisoformat(key)
        record("noaa", "fetch", day=day)
        with tempfile.TemporaryDirectory() as workdir:
            try:
                with fail_permanently():
                    ds = reef_health.crw().fetch(day, reef_health.bbox(), workdir)
            except Exception as exc:
                record("noaa", "failure", failure_reason(exc), day)
                raise
        target = crw_path(reef_health, key)
        with fail_permanently(), atomic_path(target) as tmp:
            ds.to_netcdf(tmp, encoding={v: {"zlib": True, "complevel": 4} for v in ds.data_vars})
        rows.append({"day": key, "cells": int(ds["CRW_SST"].notnull().sum()),
                     "mean_sst": round(float(ds["CRW_SST"].mean()), 2), "max_dhw": round(float(ds["CRW_DHW"].max()), 2)})
    return dg.MaterializeResult(metadata={"days": len(rows), "summary": dg.MetadataValue.json(rows[-5:])},
                                data_version=dg.DataVersion(sha256_file(crw_path(reef_health, rows[-1]["day"]))))


@dg.asset(group_name=GROUP, partitions_def=daily_partitions, freshness_policy=DAILY_FRESHNESS, backfill_policy=SINGLE_RUN,
          deps=[reef_polygons, crw_daily, dg.AssetKey("acidity")], kinds={"parquet", "geopandas"}, owners=OWNERS,
          code_version="1", automation_condition=dg.AutomationCondition.eager(),
          description="Per-reef conditions: mean of the CRW cells inside each reef polygon (or the nearest "
                      "ocean cell), pH from the ocean domain's `acidity` asset.")
def reef_conditions(context: dg.AssetExecutionContext, reef_health: ReefHealthResource) -> dg.MaterializeResult:
    from ocean_assets.settings import get_settings

    last = None
    for key in run_partition_keys(context):
        reefs = gpd.read_file(polygons_path(reef_health, key))
        with xr.open_dataset(crw_path(reef_health, key)) as crw:
            crw = crw.load()
        acidity = product_path(get_settings().data_root, "acidity", key)
        if not acidity.exists():
            raise dg.Failure(f"pH comes from the ocean domain: materialize acidity for {key} first "
                             f"(missing {acidity})")
        with xr.open_dataset(acidity) as ph:
            conditions = join_conditions(reefs, crw, ph.load())
        conditions.insert(0, "date", dt.date.fromisoformat(key))
        with atomic_path(conditions_path(reef_health, key)) as tmp:
            conditions.to_parquet(tmp, index=False)
        last = conditions
    return dg.MaterializeResult(metadata={
        "reefs": len(last), "reefs_with_cells_inside": int((last["cells"] > 0).sum()),
        "preview": dg.MetadataValue.md(last.head(10).round(3).to_markdown(index=False))})


@dg.asset(group_name=GROUP, partitions_def=daily_partitions, freshness_policy=DAILY_FRESHNESS, backfill_policy=SINGLE_RUN, deps=[reef_conditions],
          kinds={"postgres", "sqlite"}, owners=OWNERS, code_version="1",
          automation_condition=dg.AutomationCondition.eager(),
          description="Reef health scores and anomalies, upserted into the database keyed on (date, reef_id): "
                      "re-running a day never duplicates or loses rows.")
def health_scores(context: dg.AssetExecutionContext, reef_health: ReefHealthResource) -> dg.MaterializeResult:
    backoff = reef_health.database_backoff()

    def retrying(fn):  # noqa: ANN001, ANN202 - a database restart or dropped connection is transient
        return call_with_retry(fn, backoff, retry_on=(OperationalError, InterfaceError), on_retry=lambda n, exc, wait:
                               context.log.warning(f"database unavailable ({type(exc.orig or exc).__name__}); "
                                                   f"attempt {n}/{backoff.attempts}, retrying in {wait:.1f}s"))

    engine = retrying(reef_health.engine)
    cfg = reef_health.score_config()
    written, frames = 0, []
    for key in run_partition_keys(context):
        scored = score_frame(pd.read_parquet(conditions_path(reef_health, key)), cfg)
        written += retrying(lambda scored=scored: upsert_scores(engine, scored))  # one transaction per try
        frames.append(scored)
    last = frames[-1]
    digest = hashlib.sha256(pd.util.hash_pandas_object(last.drop(columns=["date"]), index=False).values.tobytes()).hexdigest()
    return dg.MaterializeResult(
        metadata={"rows_upserted": written, "method": cfg.method, "anomalies": int(last["anomaly"].sum()),
                  "mean_score": round(float(last["score" if cfg.method == "reference" else "stress_score"].mean()), 2),
                  "database": engine.url.render_as_string(hide_password=True).split("?")[0]},
        data_version=dg.DataVersion(digest))


reef_health_daily = dg.define_asset_job(
    "reef_health_daily", selection=dg.AssetSelection.groups(GROUP), partitions_def=daily_partitions,
    tags={"ocean_assets/main_job": "reef_health"},
    description="Reef polygons, CRW grids, conditions and scores for one day (acidity must exist).")
