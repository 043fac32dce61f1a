"""Fixtures for the scale-out tests: a DAGSTER_HOME on its own PostgreSQL database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.pg import temporary_database

DEPLOY = PROJECT_ROOT / "deploy"


@pytest.fixture
def pg_home(postgres_url: str, tmp_path: Path):
    """A DAGSTER_HOME with deploy/dagster-postgres.yaml on a fresh, uniquely named database."""
    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster-postgres.yaml", home / "dagster.yaml")
    with temporary_database(postgres_url, "oa_scaleout") as url:
        yield home, url
