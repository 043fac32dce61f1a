"""Lag per daily asset for /metrics: how far the newest materialized partition trails the newest
partition that should exist, read from the Dagster instance (cached briefly: scrapes are frequent)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import dagster as dg
from dagster._core.definitions.partitions.context import partition_loading_context

CACHE_SECONDS = 60.0


def asset_lag_seconds(instance: dg.DagsterInstance, defs: dg.Definitions,
                      now: dt.datetime | None = None) -> dict[str, float]:
    now = now or dt.datetime.now(dt.UTC)
    graph = defs.resolve_asset_graph()
    lags: dict[str, float] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        partitions = node.partitions_def
        if not isinstance(partitions, dg.TimeWindowPartitionsDefinition) or not node.is_materializable:
            continue
        with partition_loading_context(effective_dt=now):
            expected = partitions.get_last_partition_window()
        if expected is None:
            continue
        done = instance.get_materialized_partitions(key)
        if not done:
            continue
        latest = partitions.time_window_for_partition_key(max(done))
        lags[key.to_user_string()] = max(0.0, (expected.end - latest.end).total_seconds())
    return lags


def cached_lag_source(defs_loader: Callable[[], dg.Definitions],
                      read: Callable[[dg.Definitions], dict[str, float]] | None = None,
                      ttl: float = CACHE_SECONDS) -> Callable[[], dict[str, float]]:
    """A thread-safe cached reader: concurrent scrapes of a stale cache wait for one refresh (the
    first opening of a fresh Dagster instance creates and migrates its storage: never twice at
    once). Definitions load once. A failed refresh raises to the caller and is tried again on the
    next scrape; the previous value is not served as if it were fresh."""
    lock = threading.Lock()
    state: dict[str, object] = {"at": None, "value": {}, "defs": None}

    def default_read(defs: dg.Definitions) -> dict[str, float]:
        with dg.DagsterInstance.get() as instance:
            return asset_lag_seconds(instance, defs)

    reader = read or default_read

    def source() -> dict[str, float]:
        with lock:
            at = state["at"]
            if at is None or time.monotonic() - float(at) > ttl:  # type: ignore[arg-type]
                if state["defs"] is None:
                    state["defs"] = defs_loader()
                state["value"] = reader(state["defs"])  # type: ignore[arg-type]
                state["at"] = time.monotonic()
            return dict(state["value"])  # type: ignore[arg-type]

    return source
