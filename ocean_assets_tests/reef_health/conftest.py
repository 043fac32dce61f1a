"""Reef-health fixtures: databases (SQLite and PostgreSQL), scored frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ocean_assets.db import get_engine, migrate
from ocean_assets_tests.pg import temporary_database


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reef.db'}"
        return
    with temporary_database(request.getfixturevalue("postgres_url"), "oa_reef") as url:
        yield url
        get_engine(url).dispose()


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
