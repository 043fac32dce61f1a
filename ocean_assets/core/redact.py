"""Keeping secrets out of messages: every error text that may echo a server body goes through here."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

MASK = "***"
# Environment variables whose values are secrets (tokens, passwords, keys).
SECRET_NAME = re.compile(r"(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|SUBSCRIPTION_?KEY|ACCESS_?KEY|CREDENTIAL)",
                         re.IGNORECASE)
MIN_SECRET_LEN = 4  # shorter values would mask ordinary words


def secret_values(extra: Iterable[str | None] = ()) -> list[str]:
    """Secret values from the environment plus ``extra`` (e.g. header values), longest first."""
    values = {v for k, v in os.environ.items() if SECRET_NAME.search(k) and v}
    values.update(v for v in extra if v)
    return sorted((v for v in values if len(v) >= MIN_SECRET_LEN), key=len, reverse=True)


def redact(text: str, extra: Iterable[str | None] = ()) -> str:
    """``text`` with every secret value (and a bearer token after "Bearer ") replaced by ***."""
    for value in secret_values(extra):
        text = text.replace(value, MASK)
    return re.sub(r"(?i)(bearer\s+)[^\s\"',;]+", rf"\g<1>{MASK}", text)


def redact_url(url: str) -> str:
    """A database or service URL with its password masked (``postgresql://user:***@host/db``)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy understands: keep the scheme and host only
        return re.sub(r"//[^@/]*@", "//***@", url)
