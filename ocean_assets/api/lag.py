"""Lag per daily asset for /metrics: how far the newest materialized partition trails the newest
partition that should exist, read from the Dagster instance (cached briefly: scrapes are frequent)."""

from __future__ import annotations

import datetime as dt
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


def cached_lag_source(defs_loader: Callable[[], dg.Definitions]) -> Callable[[], dict[str, float]]:
    state: dict[str, object] = {"at": 0.0, "value": {}}

    def source() -> dict[str, float]:
        if time.monotonic() - float(state["at"]) > CACHE_SECONDS:
            with dg.DagsterInstance.get() as instance:
                state["value"] = asset_lag_seconds(instance, defs_loader())
            state["at"] = time.monotonic()
        return state["value"]  # type: ignore[return-value]

    return source
