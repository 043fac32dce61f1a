"""Every table is created by the Alembic migrations, and the migrated schema is what the models say:
Alembic's own autogenerate comparison finds no difference, on SQLite and on PostgreSQL. Migrating
is safe when many threads and processes start on a fresh database at once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ocean_assets.core.ship_chips import retry_store
from ocean_assets.db import get_engine, migrate
from ocean_assets.db.models import Base
from ocean_assets_tests.pg import temporary_database


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with temporary_database(request.getfixturevalue("postgres_url"), "oa_migr") as url:
        yield url
        get_engine(url).dispose()


def drift(url: str) -> list:
    with get_engine(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def test_migrations_create_every_model_table_without_drift(fresh_url):
    migrate(fresh_url)
    assert drift(fresh_url) == []
    tables = set(sa.inspect(get_engine(fresh_url)).get_table_names())
    assert set(Base.metadata.tables) | {"alembic_version"} == tables
    assert "ship_chips_ais_observations" in tables


def test_retry_store_table_comes_from_the_migrations(fresh_url):
    engine = retry_store.engine_for(fresh_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == MigrationContext.configure(engine.connect()).get_current_revision() == "0003"
    assert retry_store.ais_observations.metadata is Base.metadata


def test_a_database_the_retry_store_made_itself_is_adopted(tmp_path):
    """Before 0002 the retry store ran create_all on its own table: upgrading keeps its rows."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0001")
    legacy = sa.MetaData()
    sa.Table("ship_chips_ais_observations", legacy, *[c.copy() for c in retry_store.ais_observations.columns])
    engine = get_engine(url)
    legacy.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ship_chips_ais_observations (obs_id, day, mmsi, scene_id, status, "
                             "retry_count, updated_at) VALUES ('a', '2024-03-05', 1, 's', 'failed', 1, "
                             "'2024-03-05 00:00:00')"))
    migrate(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ship_chips_ais_observations")).scalar_one() == 1


def _migrate_in_child(url: str) -> None:
    from ocean_assets.db import migrate as child_migrate

    child_migrate(url)


def test_concurrent_first_migrations_all_succeed(fresh_url):
    """8 threads and 4 processes migrate the same fresh database at the same moment."""
    context = multiprocessing.get_context("fork")  # before any thread starts
    processes = [context.Process(target=_migrate_in_child, args=(fresh_url,)) for _ in range(4)]
    for process in processes:
        process.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: migrate(fresh_url), range(8)))
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    with get_engine(fresh_url).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == ["0003"]
    assert drift(fresh_url) == []
