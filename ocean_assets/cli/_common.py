"""Helpers shared by the command modules: the instance, dates, database URLs (the code location
itself: ``ocean_assets.location``)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ocean_assets.settings import PROJECT_ROOT

if TYPE_CHECKING:  # Dagster is imported when used, so usage errors answer without loading it
    import dagster as dg


def get_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME; ``./.dagster_home`` (with the project's dagster.yaml) if unset,
    said in one line on stderr (the instance depends on the current directory then)."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home_path = Path(".dagster_home").resolve()
        click.echo(f"DAGSTER_HOME is not set: using the Dagster instance in {home_path} "
                   "(./.dagster_home of the current directory)", err=True)
        home_path.mkdir(parents=True, exist_ok=True)
        template = PROJECT_ROOT / "dagster.yaml"
        target = home_path / "dagster.yaml"
        if template.exists() and not target.exists():
            target.write_text(template.read_text())
        os.environ["DAGSTER_HOME"] = str(home_path)
    import dagster as dg

    return dg.DagsterInstance.get()


def parse_date(value: str | None, param_hint: str | None = None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=param_hint) from exc


def yesterday() -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def checked_database_url(url: str | None, variable: str = "DATABASE_URL") -> str | None:
    """``url`` if SQLAlchemy can parse it (None stays None: the default); a malformed one is a usage
    error naming ``variable``, with any password masked."""
    if url is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url).port  # noqa: B018 - the port is parsed lazily
    except (ArgumentError, ValueError) as exc:
        from ocean_assets.core.redact import redact_url

        try:
            shown = redact_url(url)
        except ValueError:  # e.g. a port that is not a number: mask what sits before "@"
            shown = re.sub(r"//[^@/]*@", "//***@", url)
        raise click.UsageError(f"{variable} is not a valid database URL {shown}: {exc}; expected "
                               "e.g. sqlite:///path/to.db or postgresql://user:password@host:5432/db") from None
    return url
