"""Downloading a NetCDF over HTTP with retries, shared by the ERDDAP and CYGNSS clients."""

from __future__ import annotations

from pathlib import Path

import requests

from ocean_assets.core.io import atomic_path
from ocean_assets.core.retry import Backoff, PermanentError, call_with_retry

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


class RetryableHTTPError(IOError):
    pass


def download(url: str, dest: Path, *, headers: dict[str, str] | None = None,
             timeout: float = 60.0, backoff: Backoff | None = None, session: requests.Session | None = None,
             not_found_message: str | None = None) -> Path:
    """GET ``url`` into ``dest`` atomically; retry transient failures, raise PermanentError otherwise.

    The response body is checked against Content-Length, so a truncated transfer is retried and
    never lands at ``dest``.
    """
    http = session or requests.Session()

    def attempt() -> Path:
        try:
            response = http.get(url, headers=headers, timeout=timeout, stream=True)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetryableHTTPError(f"{type(exc).__name__} for {_redact(url)}") from exc
        with response:
            if response.status_code in RETRYABLE_STATUS:
                raise RetryableHTTPError(f"HTTP {response.status_code} for {_redact(url)}")
            if response.status_code >= 400:
                body = response.text[:300]
                if not_found_message and not_found_message in body:
                    raise PermanentError(f"no data: {not_found_message} ({_redact(url)})")
                raise PermanentError(f"HTTP {response.status_code} for {_redact(url)}: {body.strip()[:200]}")
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

    return call_with_retry(attempt, backoff or Backoff(), retry_on=(RetryableHTTPError,))


def _redact(url: str) -> str:
    """The URL without its query string's secrets (tokens are sent as headers, never in URLs)."""
    return url.split("?")[0]
