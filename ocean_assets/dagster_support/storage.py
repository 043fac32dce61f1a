"""The instance's SQLite event log, without Dagster's per-write engine (configured in dagster.yaml).

Dagster's ``SqliteEventLogStorage`` creates a new SQLAlchemy engine and connection for every
transaction, so each event costs 6-10 ms here (a new file handle, ~12 fdatasyncs, a WAL checkpoint on
close, SQL recompiled each time); a 30-day ocean backfill writes ~1,400 events. This subclass keeps one
engine per shard (a small pool, so concurrent threads and processes still work through SQLite's own
locking and busy timeout) and runs the WAL databases with ``synchronous=NORMAL``: a committed
transaction survives a process crash; only an OS crash or power loss can lose the last ones (SQLite's
documented trade-off for WAL; Dagster's run storage stays on its defaults).

Everything else is Dagster's: schema, migrations, the watchdog the UI uses to follow a run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster import Field, StringSource
from dagster._config.config_schema import UserConfigSchema
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_SECONDS = 30


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with one engine per shard and ``synchronous=NORMAL``."""

    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, sa.Engine] = {}
        self._engines_lock = threading.Lock()
        self._pid = os.getpid()
        home = os.environ.get("DAGSTER_HOME", ".")
        super().__init__(base_dir or os.path.join(home, "history", "runs"), inst_data=inst_data)

    @classmethod
    def config_type(cls) -> UserConfigSchema:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,  # type: ignore[override]
                          config_value: dict[str, Any]) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        if os.getpid() != self._pid:  # a forked child must not share its parent's connections
            self._engines, self._pid = {}, os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            with self._engines_lock:
                engine = self._engines.get(shard)
                if engine is None:
                    engine = create_engine(
                        create_db_conn_string(self._base_dir, shard), poolclass=QueuePool,
                        pool_size=2, max_overflow=8,
                        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
                    sa.event.listen(engine, "connect", _pragmas)
                    self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            with self._db_lock:
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
        with engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        for engine in list(self._engines.values()):
            engine.dispose()
        self._engines.clear()
        super().dispose()

    def wipe(self) -> None:
        self.dispose()
        super().wipe()


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
