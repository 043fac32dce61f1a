"""Downloading a NetCDF over HTTP with retries, shared by the ERDDAP and CYGNSS clients."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from collections.abc import Callable
from pathlib import Path

import requests

from ocean_assets.core.io import atomic_path
from ocean_assets.core.redact import redact
from ocean_assets.core.retry import Backoff, PermanentError, call_with_retry

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


class HTTPStatusError(PermanentError):
    """A refusal a retry cannot change (4xx other than 408/425/429), with its status code."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RetryableHTTPError(IOError):
    """A transient failure; ``retry_after`` (seconds) is the server's Retry-After, if it sent one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def download(url: str, dest: Path, *, headers: dict[str, str] | None = None,
             timeout: float = 60.0, backoff: Backoff | None = None, session: requests.Session | None = None,
             not_found_message: str | None = None, sleep: Callable[[float], None] = time.sleep) -> Path:
    """GET ``url`` into ``dest`` atomically; retry transient failures, raise PermanentError otherwise.

    The response body is checked against Content-Length, so a truncated transfer is retried and
    never lands at ``dest``. 429/503 honour Retry-After (capped at ``backoff.max_seconds``). Error
    messages never carry the request's header values or secrets from the environment.
    """
    http = session or requests.Session()
    secrets = list((headers or {}).values())

    def attempt() -> Path:
        try:
            response = http.get(url, headers=headers, timeout=timeout, stream=True)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetryableHTTPError(f"{type(exc).__name__} for {_redact(url)}") from exc
        with response:
            if response.status_code in RETRYABLE_STATUS:
                raise RetryableHTTPError(f"HTTP {response.status_code} for {_redact(url)}",
                                         parse_retry_after(response.headers.get("Retry-After")))
            if response.status_code >= 400:
                try:
                    body = redact(response.text[:2000], secrets)
                except requests.RequestException:  # the error body itself broke off
                    body = "(error body unreadable)"
                if not_found_message and not_found_message in body:
                    raise PermanentError(f"no data: {not_found_message} ({_redact(url)})")
                raise HTTPStatusError(f"HTTP {response.status_code} for {_redact(url)}: {one_line(body)[:500]}",
                                      response.status_code)
            expected = response.headers.get("Content-Length")
            written = 0
            try:
                with atomic_path(dest) as tmp, tmp.open("wb") as fh:
                    for chunk in response.iter_content(1 << 16):
                        fh.write(chunk)
                        written += len(chunk)
                    fh.flush()
                    if expected is not None and written != int(expected):
                        raise RetryableHTTPError(
                            f"truncated body: {written} of {expected} bytes from {_redact(url)}")
            except requests.RequestException as exc:
                raise RetryableHTTPError(f"transfer broke: {type(exc).__name__}") from exc
        return dest

    return call_with_retry(attempt, backoff or Backoff(), retry_on=(RetryableHTTPError,), sleep=sleep)


def one_line(body: str) -> str:
    """An error body as one line: ERDDAP's ``Error { code=413; message="..."; }`` becomes its message
    (in full), anything else has its whitespace collapsed."""
    m = re.search(r'message\s*=\s*"(.*)"\s*;?\s*}?\s*$', body.strip(), re.S)
    return " ".join((m.group(1) if m else body).split())


def _redact(url: str) -> str:
    """The URL without its query string's secrets (tokens are sent as headers, never in URLs)."""
    return url.split("?")[0]
