"""What failed runs and failed checks still leave broken, for the recovery sensor (issue 14/15 case 9).

A failed run's failures are the days its Failure names (``failed_days``, per asset step, see
``dagster_support.daily``) or, when a step died without naming them, its planned days that recorded
no per-day materialization in that run; the days the per-day helper recorded are not failures. A
failure is still open only while its (asset, day) has no materialization recorded after it whose
hard blocking checks did not fail: one indexed query per asset for the latest materializations, one
for their timestamps and one for the checks, over the candidate days only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ocean_assets.core.ocean.paths import PRODUCTS
from ocean_assets.dagster_support.continuation import RANGE_END, RANGE_START, SKIP_DAYS_TAG
from ocean_assets.dagster_support.daily import FAILED_DAYS
from ocean_assets.defs.ocean.records import HARD_CHECKS
from ocean_assets.partitions import daily_partitions

Pair = tuple[str, str]
_RUN_EVENTS = {dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_MATERIALIZATION,
               dg.DagsterEventType.STEP_FAILURE}


@dataclass(frozen=True)
class Since:
    """When a failure happened: after this storage id (materialization/check ids) and this time."""

    storage_id: int = 0
    timestamp: float = 0.0

    def later(self, other: Since) -> Since:
        return Since(max(self.storage_id, other.storage_id), max(self.timestamp, other.timestamp))


def merge(*groups: dict[Pair, Since]) -> dict[Pair, Since]:
    out: dict[Pair, Since] = {}
    for group in groups:
        for pair, since in group.items():
            out[pair] = out[pair].later(since) if pair in out else since
    return out


def _tag_days(tags: dict[str, str]) -> set[str]:
    if "dagster/partition" in tags:
        return {tags["dagster/partition"]}
    if RANGE_START in tags and RANGE_END in tags:
        return set(daily_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(tags[RANGE_START],
                                                                                     tags[RANGE_END])))
    return set()


def _skip_days(tags: dict[str, str]) -> dict[str, set[str]]:
    import json

    try:
        raw = json.loads(tags.get(SKIP_DAYS_TAG) or "{}")
        return {str(k): {str(d) for d in v} for k, v in raw.items()} if isinstance(raw, dict) else {}
    except (ValueError, TypeError, AttributeError):
        return {}


def _failed_days_metadata(event: Any) -> set[str] | None:
    data = getattr(event.event_specific_data, "user_failure_data", None)
    value = (getattr(data, "metadata", None) or {}).get(FAILED_DAYS)
    days = getattr(value, "value", value)
    return {str(d) for d in days} if isinstance(days, dict) else None


def failed_run_days(instance: dg.DagsterInstance, record: Any) -> dict[Pair, Since]:
    """The (product, day) pairs one failed run left failed, each with when it failed."""
    run = record.dagster_run
    end = (record.end_time or record.update_timestamp.timestamp())
    planned: dict[str, set[str]] = defaultdict(set)
    recorded: dict[str, set[str]] = defaultdict(set)
    step_assets: dict[str, set[str]] = defaultdict(set)
    named: dict[str, tuple[set[str], float]] = {}
    failures: list[Any] = []
    for entry in instance.get_records_for_run(run.run_id, of_type=_RUN_EVENTS, limit=None).records:
        event = entry.event_log_entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            data = event.asset_materialization_planned_data
            asset = data.asset_key.to_user_string()
            if data.partition:
                planned[asset].add(data.partition)
            elif data.partitions_subset is not None:
                planned[asset].update(data.partitions_subset.get_partition_keys())
            if event.step_key:
                step_assets[event.step_key].add(asset)
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            if event.partition and event.asset_key:
                recorded[event.asset_key.to_user_string()].add(event.partition)
        else:
            failures.append((event, entry.event_log_entry.timestamp))
    failed_at: dict[str, float] = {}
    for event, when in failures:
        for asset in step_assets.get(event.step_key or "", set()) or {event.step_key or ""}:
            failed_at[asset] = when
            days = _failed_days_metadata(event)
            if days is not None:
                named[asset] = (days, when)
    selected = {k.to_user_string() for k in (run.asset_selection or [])}
    skip = _skip_days(run.tags)
    out: dict[Pair, Since] = {}
    for asset in sorted((set(planned) | selected) & set(PRODUCTS)):
        if asset in named:
            days, when = named[asset]
        else:  # the step died (or never ran): the days it did not record
            days = (planned.get(asset) or _tag_days(run.tags)) - recorded[asset] - skip.get(asset, set())
            when = failed_at.get(asset, end)
        out.update({(asset, day): Since(timestamp=when) for day in days if daily_partitions.has_partition_key(day)})
    return out


def _failed_after(instance: dg.DagsterInstance, asset: str, days: set[str]) -> dict[str, int]:
    """day -> storage id of the newest failed hard check evaluation (or of the newest check event
    when its latest execution failed)."""
    keys = [dg.AssetCheckKey(dg.AssetKey(asset), name) for name in HARD_CHECKS.get(asset, ())]
    failed: dict[str, int] = {}
    if not keys:
        return failed
    for info in instance.event_log_storage.get_asset_check_partition_info(keys, partition_keys=sorted(days)):
        if info.partition_key and info.latest_execution_status == AssetCheckExecutionRecordStatus.FAILED:
            failed[info.partition_key] = max(failed.get(info.partition_key, 0), info.latest_check_event_storage_id)
    return failed


def still_open(instance: dg.DagsterInstance, failures: dict[Pair, Since],
               ) -> tuple[dict[Pair, Since], dict[Pair, int]]:
    """The failures not repaired since, and per pair the storage id of its newest materialization
    (the baseline for a pair deferred to a later tick). A pair is repaired when its newest
    materialization came after the failure and no hard blocking check failed on it since."""
    by_asset: dict[str, set[str]] = defaultdict(set)
    for asset, day in failures:
        by_asset[asset].add(day)
    open_: dict[Pair, Since] = {}
    latest_ids: dict[Pair, int] = {}
    for asset, days in by_asset.items():
        key = dg.AssetKey(asset)
        latest = instance.event_log_storage.get_latest_storage_id_by_partition(
            key, dg.DagsterEventType.ASSET_MATERIALIZATION, partitions=days)
        ids = sorted(set(latest.values()))
        stamps = {r.storage_id: r.timestamp for r in instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, storage_ids=ids), limit=len(ids)).records} if ids else {}
        bad_checks = _failed_after(instance, asset, days) if latest else {}
        for day in days:
            since = failures[(asset, day)]
            newest = latest.get(day)
            latest_ids[(asset, day)] = newest or 0
            repaired = (newest is not None and newest > since.storage_id
                        and stamps.get(newest, 0.0) > since.timestamp
                        and bad_checks.get(day, 0) < newest)
            if not repaired:
                open_[(asset, day)] = since
    return open_, latest_ids
