"""Exponential backoff with full jitter for calls to remote services."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class PermanentError(Exception):
    """An error that retrying cannot fix (bad credentials, unknown dataset, 404)."""


@dataclass(frozen=True)
class Backoff:
    attempts: int = 4
    base_seconds: float = 1.0
    max_seconds: float = 60.0
    jitter: bool = True

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number ``attempt`` (1-based): base * 2**(attempt-1), capped, jittered."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        if not self.jitter:
            return ceiling
        return (rng or random).uniform(0, ceiling)


def call_with_retry(
    fn: Callable[[], T],
    backoff: Backoff = Backoff(),
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call ``fn``; on a retryable error wait and try again, up to ``backoff.attempts`` calls.

    ``PermanentError`` is raised at once. The last error is re-raised when attempts run out.
    An error carrying ``retry_after`` (seconds, e.g. from an HTTP Retry-After header) waits that
    long instead of the backoff delay, capped at ``backoff.max_seconds``.
    """
    for attempt in range(1, backoff.attempts + 1):
        try:
            return fn()
        except PermanentError:
            raise
        except retry_on as exc:
            if attempt == backoff.attempts:
                raise
            wait = backoff.delay(attempt)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                wait = min(max(float(retry_after), 0.0), backoff.max_seconds)
            log.warning("attempt %d/%d failed (%s); retrying in %.1fs",
                        attempt, backoff.attempts, exc, wait)
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
    raise AssertionError("unreachable")
