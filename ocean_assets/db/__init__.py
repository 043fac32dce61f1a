"""The project's database: SQLite file by default, PostgreSQL via DATABASE_URL; Alembic migrations."""

from ocean_assets.db.engine import get_engine, migrate, session_factory

__all__ = ["get_engine", "migrate", "session_factory"]
