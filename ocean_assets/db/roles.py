"""A read-only PostgreSQL role for the API: SELECT on the project's tables and nothing else, so even
a session that asks for READ WRITE cannot change a row. The role (and its password) is created by
the database administrator; this grants it what the API reads."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def readonly_grants(role: str, schema: str = "public") -> list[str]:
    if not ROLE_NAME.match(role) or not ROLE_NAME.match(schema):
        raise ValueError(f"not a plain lower-case PostgreSQL identifier: {role!r} / {schema!r}")
    return [
        f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM "{role}"',
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        # tables created by later migrations (run by the pipeline's role) are readable too
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT ON TABLES TO "{role}"',
    ]


def grant_readonly(engine: Engine, role: str, schema: str = "public") -> list[str]:
    """Apply ``readonly_grants`` as the owner of the tables; returns the statements run."""
    statements = readonly_grants(role, schema)
    if engine.dialect.name != "postgresql":
        raise ValueError("read-only roles are a PostgreSQL feature (the API opens SQLite with mode=ro)")
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if not exists:
            raise ValueError(f"role {role!r} does not exist: create it first (CREATE ROLE {role} LOGIN PASSWORD ...)")
        for statement in statements:
            conn.execute(text(statement))
    return statements
