"""Opening STAC APIs with pystac-client, retrying what is transient (429 with Retry-After, 5xx,
connection errors, bodies that break off mid-transfer) with exponential backoff — shared by
ship_chips (Earth Search) and conus404 (Planetary Computer)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import requests
from pystac_client import Client
from pystac_client.exceptions import APIError
from pystac_client.stac_api_io import StacApiIO
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

RETRY_STATUS = (429, 500, 502, 503, 504)


class RetryingStacApiIO(StacApiIO):
    """urllib3's Retry covers statuses, connects and the wait for headers; requests reads the body
    afterwards, so a body that is reset or cut short mid-transfer is retried here."""

    def __init__(self, *args: Any, body_attempts: int = 4, backoff_seconds: float = 0.5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body_attempts, self.backoff_seconds = body_attempts, backoff_seconds

    def request(self, href: str, method: str | None = None, headers: dict[str, str] | None = None,
                parameters: dict[str, Any] | None = None) -> str:
        for attempt in range(1, self.body_attempts + 1):
            try:
                return super().request(href, method, headers, parameters)
            except APIError as exc:
                broken_body = isinstance(exc.__context__, requests.exceptions.ChunkedEncodingError)
                if not broken_body or attempt == self.body_attempts:
                    raise
                wait = min(30.0, self.backoff_seconds * 2 ** (attempt - 1))
                log.warning("STAC response from %s broke off (%s); retry %d/%d in %.1fs",
                            href.split("?")[0], type(exc.__context__).__name__, attempt,
                            self.body_attempts - 1, wait)
                time.sleep(wait)
        raise AssertionError("unreachable")


def stac_io(attempts: int = 4, backoff_seconds: float = 0.5, timeout: float = 60.0) -> StacApiIO:
    retry = Retry(total=attempts, connect=attempts, read=attempts, status=attempts,
                  backoff_factor=backoff_seconds, backoff_max=30, status_forcelist=RETRY_STATUS,
                  allowed_methods=None, respect_retry_after_header=True, raise_on_status=True)
    return RetryingStacApiIO(timeout=timeout, max_retries=retry, body_attempts=attempts,
                             backoff_seconds=backoff_seconds)


def open_client(url: str, modifier: Callable[[Any], None] | None = None, **retry: Any) -> Client:
    return Client.open(url, modifier=modifier, stac_io=stac_io(**retry))
