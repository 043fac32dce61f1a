"""Fixtures for the scale-out tests: a DAGSTER_HOME on its own PostgreSQL database."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from ocean_assets.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


@pytest.fixture
def pg_home(postgres_url: str, tmp_path: Path):
    """A DAGSTER_HOME with deploy/dagster-postgres.yaml on a fresh, uniquely named database."""
    name = f"oa_scaleout_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster-postgres.yaml", home / "dagster.yaml")
    try:
        yield home, postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
