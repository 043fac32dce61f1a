"""FastAPI app: read-only endpoints over reef health scores, validated parameters, /metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import (
    CollectorRegistry,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import Engine, case, func, select, text
from sqlalchemy.exc import InterfaceError, OperationalError

from ocean_assets.api.metrics import DatabaseCollector, LagCollector
from ocean_assets.core.ocean.paths import texture_path
from ocean_assets.core.reef_health import alerts
from ocean_assets.db import migrate
from ocean_assets.db.engine import get_readonly_engine
from ocean_assets.db.models import ReefHealthScore
from ocean_assets.settings import get_settings

MAX_DAYS = 366
MAX_PAGE = 1000
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description=f"trailing days (1..{MAX_DAYS})")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (1..{MAX_PAGE})")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


class Score(BaseModel):
    date: dt.date
    reef_id: str
    latitude: float
    longitude: float
    area_sqkm: float
    sst: float
    sst_anomaly: float
    dhw: float
    alert_level: int = Field(ge=alerts.MIN_LEVEL, le=alerts.MAX_LEVEL, description=(
        "NOAA CRW Bleaching Alert Area level: " + "; ".join(f"{lv.code} {lv.name}" for lv in alerts.LEVELS)))
    ph: float | None
    score: float
    stress_score: float
    method: str
    anomaly: bool


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Score]


class AlertLevelInfo(BaseModel):
    code: int
    name: str
    colour: str


class Unavailable(BaseModel):
    detail: str


COLUMNS = [c for c in Score.model_fields]
# Every route that reads the database answers 503 (with Retry-After) while it is unreachable.
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {
    "model": Unavailable, "description": "The database is unavailable; retry after the Retry-After seconds.",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}}}


def _rows(engine: Engine, stmt) -> list[dict[str, Any]]:  # noqa: ANN001
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def serve_inside(root: Path, path: Path, media_type: str) -> FileResponse:
    """``path`` as a file response if it resolves (symlinks included) to a file under ``root``; 404
    otherwise. Routes build ``path`` from validated parameters only; this is the second fence."""
    root, target = root.resolve(), path.resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise HTTPException(404, "not found")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})


def create_app(database_url: str | None = None, lag_source=None,  # noqa: ANN001
               data_root: Path | None = None, migrate_schema: bool = True) -> FastAPI:
    if migrate_schema:  # with the writer's engine; everything the API does afterwards is read-only
        migrate(database_url)
    engine = get_readonly_engine(database_url)
    table = ReefHealthScore.__table__
    cols = [table.c[c] for c in COLUMNS]
    health_score = case((table.c.method == "reference", table.c.score), else_=table.c.stress_score)
    # /docs and /redoc from the installed package's copy of Swagger UI / ReDoc, never a CDN: they work offline
    app = FastAPIOffline(title="ocean-assets reef health API", version="1", description=__doc__)
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(engine))
    if lag_source is not None:
        registry.register(LagCollector(lag_source))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    def database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # The database restarting or unreachable is the client's "try again", not a server bug.
        return JSONResponse({"detail": f"database unavailable: {type(exc).__name__}"}, status_code=503,
                            headers={"Retry-After": "5"})

    def latest_day() -> dt.date | None:
        with engine.connect() as conn:
            return conn.execute(select(func.max(table.c.date))).scalar_one()

    def since(days: int) -> dt.date | None:
        last = latest_day()
        return None if last is None else last - dt.timedelta(days=days - 1)

    @app.get("/health", responses=UNAVAILABLE)
    def health() -> dict[str, Any]:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            raise HTTPException(503, f"database unavailable: {type(exc).__name__}",
                                headers={"Retry-After": "5"}) from None
        return {"status": "ok", "latest_day": latest_day()}

    @app.get("/data/latest", response_model=Page, responses=UNAVAILABLE)
    def latest(limit: Limit = 100, offset: Offset = 0) -> Page:
        day = latest_day()
        if day is None:
            return Page(total=0, limit=limit, offset=offset, items=[])
        where = table.c.date == day
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).where(where)).scalar_one()
        items = _rows(engine, select(*cols).where(where).order_by(table.c.reef_id).limit(limit).offset(offset))
        return Page(total=total, limit=limit, offset=offset, items=items)

    @app.get("/data/timeseries", responses=UNAVAILABLE)
    def timeseries(days: Days = 7, reef_id: Annotated[str | None, Query(pattern=r"^reef-[0-9a-f]{12}$")] = None,
                   ) -> list[dict[str, Any]]:
        start = since(days)
        if start is None:
            return []
        stmt = select(table.c.date, func.avg(table.c.sst).label("sst"), func.avg(table.c.ph).label("ph"),
                      func.avg(table.c.dhw).label("dhw"), func.avg(health_score).label("health_score"),
                      func.count().label("reefs")).where(table.c.date >= start)
        if reef_id:
            stmt = stmt.where(table.c.reef_id == reef_id)
        return _rows(engine, stmt.group_by(table.c.date).order_by(table.c.date))

    @app.get("/data/anomalies", response_model=Page, responses=UNAVAILABLE)
    def anomalies(days: Days = 7, limit: Limit = 100, offset: Offset = 0) -> Page:
        start = since(days)
        if start is None:
            return Page(total=0, limit=limit, offset=offset, items=[])
        where = (table.c.date >= start) & table.c.anomaly.is_(True)
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).where(where)).scalar_one()
        items = _rows(engine, select(*cols).where(where).order_by(table.c.date.desc(), table.c.reef_id)
                      .limit(limit).offset(offset))
        return Page(total=total, limit=limit, offset=offset, items=items)

    @app.get("/stats", responses=UNAVAILABLE)
    def stats(days: Days = 30) -> dict[str, Any]:
        start = since(days)
        if start is None:
            return {"records": 0}
        with engine.connect() as conn:
            row = conn.execute(select(
                func.count().label("records"), func.count(func.distinct(table.c.reef_id)).label("reefs"),
                func.min(table.c.date).label("first_day"), func.max(table.c.date).label("last_day"),
                func.avg(table.c.sst).label("avg_sst"), func.max(table.c.sst).label("max_sst"),
                func.avg(table.c.ph).label("avg_ph"), func.avg(health_score).label("avg_health_score"),
                func.max(table.c.dhw).label("max_dhw"),
                func.sum(func.cast(table.c.anomaly, ReefHealthScore.alert_level.type)).label("anomalies"),
            ).where(table.c.date >= start)).one()
        return dict(row._mapping)

    @app.get("/reefs", responses=UNAVAILABLE)
    def reefs(limit: Limit = 500, offset: Offset = 0) -> dict[str, Any]:
        day = latest_day()
        if day is None:
            return {"total": 0, "items": []}
        stmt = (select(table.c.reef_id, table.c.latitude, table.c.longitude, table.c.area_sqkm,
                       table.c.stress_score, table.c.alert_level, table.c.anomaly).where(table.c.date == day)
                .order_by(table.c.reef_id).limit(limit).offset(offset))
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).where(table.c.date == day)).scalar_one()
        return {"total": total, "date": day, "items": _rows(engine, stmt)}

    @app.get("/alert-levels", response_model=list[AlertLevelInfo])
    def alert_levels() -> list[AlertLevelInfo]:
        """NOAA CRW Bleaching Alert Area levels (since December 2023): code, name, legend colour."""
        return [AlertLevelInfo(code=lv.code, name=lv.name, colour=lv.colour) for lv in alerts.LEVELS]

    files = Path(data_root or get_settings().data_root)

    @app.get("/textures/sst/{day}.png", response_class=FileResponse,
             responses={200: {"content": {"image/png": {}}}, 404: {"description": "no texture for that day"}})
    def sst_texture(day: dt.date) -> FileResponse:
        """The day's SST texture for 3D globes (equirectangular RGBA PNG, the `sst_texture` asset)."""
        return serve_inside(files, texture_path(files, day), "image/png")

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics; always 200: a database outage shows as `ocean_assets_database_up 0`."""
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/ping", include_in_schema=False)
    def ping() -> dict[str, str]:  # the trivial endpoint load tests use as a ceiling
        return {"pong": "ok"}

    return app
