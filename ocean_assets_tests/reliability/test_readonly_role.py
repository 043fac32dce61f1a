"""The API can run as a PostgreSQL role that may only read: `db grant-readonly ROLE` grants SELECT on
the project's tables, and no session of that role can change a row, even one that asks for READ
WRITE. Role names are checked before they reach SQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ocean_assets.api.app import create_app
from ocean_assets.cli import cli
from ocean_assets.core.reef_health.store import upsert_scores
from ocean_assets.db import get_engine, migrate
from ocean_assets_tests.pg import temporary_database
from ocean_assets_tests.reef_health.conftest import scored

DAY = dt.date(2024, 3, 5)


@pytest.fixture
def role(postgres_url: str):  # noqa: ANN201 - roles are cluster-wide: a unique one, dropped afterwards
    name = f"oa_api_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{name}" LOGIN'))
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
    admin.dispose()


def test_api_runs_as_a_role_that_cannot_write(role, postgres_url, monkeypatch):
    with temporary_database(postgres_url, prefix="oa_role") as url:
        migrate(url)
        upsert_scores(get_engine(url), scored(DAY))
        monkeypatch.setenv("DATABASE_URL", url)
        granted = CliRunner().invoke(cli, ["db", "grant-readonly", role])
        assert granted.exit_code == 0, granted.output
        reader_url = url.replace("postgres@", f"{role}@", 1)

        api = TestClient(create_app(reader_url, migrate_schema=False))
        assert api.get("/data/latest").json()["total"] == 5
        assert api.get("/metrics").status_code == 200

        reader = sa.create_engine(reader_url)
        for statement in ("DELETE FROM reef_health_scores", "UPDATE reef_health_scores SET score = 0",
                          "INSERT INTO pipeline_fetch_events (source, kind, reason) VALUES ('x', 'fetch', '')",
                          "CREATE TABLE intruder (id int)", "DROP TABLE reef_health_scores"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"), \
                    reader.begin() as conn:
                conn.execute(sa.text("SET TRANSACTION READ WRITE"))
                conn.execute(sa.text(statement))
        reader.dispose()
        with get_engine(url).connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM reef_health_scores")).scalar_one() == 5
        get_engine(url).dispose()


@pytest.mark.parametrize("bad", ['x"; DROP TABLE reef_health_scores; --', "Robert'); --", "UPPER", ""])
def test_role_names_are_checked_before_sql(bad, data_root):
    result = CliRunner().invoke(cli, ["db", "grant-readonly", bad])
    assert result.exit_code == 2 and "identifier" in result.output and "Traceback" not in result.output
