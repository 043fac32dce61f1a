"""Reef-health fixtures: databases (SQLite and PostgreSQL), scored frames."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from ocean_assets.db import get_engine, migrate


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reef.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    name = f"oa_reef_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"
    yield url
    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                             "AND pid <> pg_backend_pid()"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    migrate(db_url)
    return get_engine(db_url)


def scored(day: dt.date, reefs: int = 5, anomalies: int = 1, sst: float = 27.0) -> pd.DataFrame:
    rng = np.random.default_rng(day.toordinal())
    frame = pd.DataFrame({
        "date": day, "reef_id": [f"reef-{i:012x}" for i in range(reefs)],
        "latitude": -15.0 - rng.random(reefs), "longitude": 147.0 + rng.random(reefs),
        "area_sqkm": 10.0, "sst": sst, "sst_anomaly": 0.5, "dhw": 1.0, "alert_level": 1, "ph": 8.0,
        "score": 55.0, "stress_score": 80.0, "method": "stress", "anomaly": [i < anomalies for i in range(reefs)],
    })
    return frame
