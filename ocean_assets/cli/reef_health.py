"""Reef-health commands: the API and dashboard servers, retention, and copying SQLite to PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click


@click.command("api")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--database-url", envvar="OCEAN_ASSETS_API_DATABASE_URL", default=None,
              help="Read with this URL, e.g. a read-only role's (`db grant-readonly`); the schema is then "
                   "left to the pipeline. Default: DATABASE_URL.")
def api(host: str, port: int, database_url: str | None) -> None:
    """Serve the read-only reef health API (+ /metrics) over DATABASE_URL (default: the embedded SQLite)."""
    import os

    from ocean_assets.cli._common import checked_database_url

    checked_database_url(database_url, "OCEAN_ASSETS_API_DATABASE_URL (--database-url)")
    checked_database_url(os.environ.get("DATABASE_URL"))
    import uvicorn

    from ocean_assets.api.app import create_app

    lag = None
    if os.environ.get("DAGSTER_HOME"):  # lag per daily asset in /metrics, from the Dagster instance
        from ocean_assets.api.lag import cached_lag_source
        from ocean_assets.location import load_definitions

        lag = cached_lag_source(load_definitions)
    app = create_app(database_url, lag_source=lag, migrate_schema=database_url is None)
    uvicorn.run(app, host=host, port=port, log_level="info")


@click.command("dashboard")
@click.option("--api-url", default="http://127.0.0.1:8000", show_default=True, envvar="OCEAN_ASSETS_API_URL")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
def dashboard(api_url: str, port: int) -> None:
    """Start the Streamlit dashboard (live map, time series, anomalies, statistics) reading the API."""
    import os

    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    env = {**os.environ, "OCEAN_ASSETS_API_URL": api_url}
    click.echo(f"dashboard on http://127.0.0.1:{port} (reading {api_url}); Ctrl-C stops it", err=True)
    # this process becomes Streamlit (no child left behind): Ctrl-C and SIGTERM stop the server itself
    os.execve(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], env)


@click.command("retention")
@click.option("--status", "show_status", is_flag=True, help="Rows, date range and archives.")
@click.option("--archive-days", type=click.IntRange(1, 36500), help="Archive rows older than N days to CSV.gz.")
@click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path), help="Where archives go.")
@click.option("--delete-days", type=click.IntRange(1, 36500), help="Delete rows older than N days (archived ones).")
@click.option("--force", is_flag=True, help="Delete even rows that were never archived.")
@click.option("--today", help="Reference day (default: today, UTC).")
def retention(show_status: bool, archive_days: int | None, archive_dir: Path | None, delete_days: int | None,
              force: bool, today: str | None) -> None:
    """Retention of reef health rows: archive to CSV.gz before deleting; never delete unarchived rows."""
    import os

    from ocean_assets.cli._common import checked_database_url, parse_date

    if not (show_status or archive_days or delete_days):
        raise click.UsageError("choose --status, --archive-days N (with --archive-dir) or --delete-days N")
    if archive_days and archive_dir is None:
        raise click.UsageError("--archive-days needs --archive-dir")
    day = parse_date(today, "--today") or dt.datetime.now(dt.UTC).date()
    checked_database_url(os.environ.get("DATABASE_URL"))
    from ocean_assets.core.reef_health import store
    from ocean_assets.db import get_engine, migrate

    migrate()
    engine = get_engine()
    if archive_days:
        result = store.archive_older_than(engine, archive_days, archive_dir, day)
        click.echo(f"archived {result['rows']} row(s) older than {result['cutoff']}"
                   + (f" to {result['path']}" if result["path"] else ""))
    if delete_days:
        try:
            deleted = store.delete_older_than(engine, delete_days, day, force=force)
        except store.UnarchivedDataError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"deleted {deleted} row(s) older than {day - dt.timedelta(days=delete_days)}")
    if show_status:
        click.echo(json.dumps(store.retention_status(engine), indent=2, default=str))


@click.group("db")
def db() -> None:
    """The project database (DATABASE_URL; default SQLite under the data root)."""
    import os

    from ocean_assets.cli._common import checked_database_url

    checked_database_url(os.environ.get("DATABASE_URL"))


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations."""
    from ocean_assets.db import migrate

    migrate()
    click.echo("database schema is at head")


@db.command("grant-readonly")
@click.argument("role")
def db_grant_readonly(role: str) -> None:
    """Let an existing PostgreSQL ROLE read every project table and nothing else (for the API)."""
    from ocean_assets.db import get_engine, migrate
    from ocean_assets.db.roles import grant_readonly

    migrate()
    try:
        statements = grant_readonly(get_engine(), role)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo("\n".join(f"{s};" for s in statements))
    click.echo(f"role {role} can read the reef tables; serve the API with "
               f"OCEAN_ASSETS_API_DATABASE_URL=postgresql://{role}:...@host/db ocean-assets api")


@db.command("copy-sqlite-to-postgres")
@click.option("--sqlite", "sqlite_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", required=True, envvar="DATABASE_URL", help="postgresql://... (default: DATABASE_URL)")
def copy_sqlite_to_postgres(sqlite_path: Path, target: str) -> None:
    """Copy every score row from a SQLite database into PostgreSQL (upsert: safe to repeat)."""
    import pandas as pd
    from sqlalchemy import select

    from ocean_assets.core.reef_health.store import upsert_scores
    from ocean_assets.db import get_engine, migrate
    from ocean_assets.db.engine import normalize_url
    from ocean_assets.db.models import ReefHealthScore

    if not normalize_url(target).startswith("postgresql"):
        raise click.UsageError("--to must be a postgresql:// URL")
    source_url = f"sqlite:///{sqlite_path.resolve()}"
    migrate(source_url)
    migrate(target)
    with get_engine(source_url).connect() as conn:
        frame = pd.read_sql(select(ReefHealthScore.__table__), conn)
    written = upsert_scores(get_engine(target), frame) if len(frame) else 0
    click.echo(f"copied {written} row(s) from {sqlite_path} to PostgreSQL")


def register(cli: click.Group) -> None:
    for command in (api, dashboard, retention, db):
        cli.add_command(command)
