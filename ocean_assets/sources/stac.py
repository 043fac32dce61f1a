"""Opening STAC APIs with pystac-client, retrying what is transient (429 with Retry-After, 5xx,
connection errors) with exponential backoff — shared by ship_chips (Earth Search) and conus404
(Planetary Computer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pystac_client import Client
from pystac_client.stac_api_io import StacApiIO
from urllib3.util.retry import Retry

RETRY_STATUS = (429, 500, 502, 503, 504)


def stac_io(attempts: int = 4, backoff_seconds: float = 0.5, timeout: float = 60.0) -> StacApiIO:
    retry = Retry(total=attempts, connect=attempts, read=attempts, status=attempts,
                  backoff_factor=backoff_seconds, backoff_max=30, status_forcelist=RETRY_STATUS,
                  allowed_methods=None, respect_retry_after_header=True, raise_on_status=True)
    return StacApiIO(timeout=timeout, max_retries=retry)


def open_client(url: str, modifier: Callable[[Any], None] | None = None, **retry: Any) -> Client:
    return Client.open(url, modifier=modifier, stac_io=stac_io(**retry))
