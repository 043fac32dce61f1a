"""Shared fixtures: every test gets its own data root and Dagster home; nothing touches the internet."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import dagster as dg
import pytest

# one line per test file as it finishes ("path: N passed in Xs"), under xdist too
pytest_plugins = ("ocean_assets_tests.progress",)

POSTGRES_URL = os.environ.get("OCEAN_ASSETS_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_root = tmp_path / "data"
    data_root.mkdir()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("OCEAN_ASSETS_DATA_ROOT", str(data_root))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "demo")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return data_root


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of config/ (OCEAN_ASSETS_CONFIG_DIR) that a test may edit."""
    from ocean_assets.settings import PROJECT_ROOT

    target = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", target)
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(target))
    return target


@pytest.fixture
def data_root(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def instance(tmp_path: Path) -> dg.DagsterInstance:
    temp_dir = tmp_path / "instance"
    temp_dir.mkdir(exist_ok=True)
    with dg.instance_for_test(temp_dir=str(temp_dir)) as inst:
        yield inst


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url() -> str:
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required in CI")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    return POSTGRES_URL
