"""Engines and migrations. URLs: DATABASE_URL, else sqlite:///{data_root}/ocean_assets.db.
Statement parameters (rows of data) are kept out of error messages and logs (hide_parameters)."""

from __future__ import annotations

import threading
import zlib
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from ocean_assets.core.io import file_lock
from ocean_assets.settings import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Use psycopg2 for PostgreSQL (SQLAlchemy 2.1 would otherwise pick psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


@lru_cache(maxsize=8)
def _readonly_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"timeout": 30},
                             hide_parameters=True)
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.close()
        dbapi_connection.commit()

    return engine


def get_readonly_engine(url: str | None = None) -> Engine:
    """An engine whose sessions cannot write (the API's): PostgreSQL read-only transactions,
    SQLite opened with mode=ro. Pair it with a read-only database role in production."""
    return _readonly_engine(normalize_url(url or get_settings().database_url))


def get_engine(url: str | None = None) -> Engine:
    return _engine(normalize_url(url or get_settings().database_url))


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


_MIGRATING = threading.Lock()
# One PostgreSQL advisory lock key for the project's schema migrations (any stable 32-bit number).
MIGRATION_LOCK_KEY = zlib.crc32(b"ocean_assets.db.migrate")


def _sqlite_path(url: str) -> Path | None:
    path = url.split("sqlite:///", 1)[-1] if url.startswith("sqlite") else ""
    return Path(path) if path and path != ":memory:" else None


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (works from an installed package: no alembic.ini).

    Safe to call from many threads and processes at once (the API's first requests, parallel
    steps on a fresh database): one migrates, the others wait and then find nothing to do."""
    from alembic import command
    from alembic.config import Config

    resolved = normalize_url(url or get_settings().database_url)
    engine = get_engine(resolved)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite_file = _sqlite_path(resolved)
    # Serialised across processes too: a lock file next to a SQLite database, a transaction-scoped
    # advisory lock on PostgreSQL (released when the migration commits or rolls back).
    with _MIGRATING, file_lock(sqlite_file) if sqlite_file else nullcontext(), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
