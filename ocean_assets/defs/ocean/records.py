"""What the Dagster instance recorded about ocean files, for the corruption sweep (which takes plain
mappings, no Dagster): per materialized partition the sha256 of its latest materialization, and
whether that materialization's hard checks passed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ocean_assets.core.ocean.corruption import HARD_RULES, TEXTURE, Recorded, expected_path, sweep
from ocean_assets.core.ocean.paths import PRODUCTS
from ocean_assets.core.ocean.validate import NAN_FRACTION
from ocean_assets.defs.ocean.resources import OceanResource

SWEPT = (*PRODUCTS, TEXTURE)
# The checks that must have passed on a materialization for the sweep to reuse their verdict.
HARD_CHECKS = {**{p: (*HARD_RULES, NAN_FRACTION) for p in PRODUCTS}, TEXTURE: ("texture_file",)}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_BATCH = 500


def _recorded_sha(metadata: dict[str, Any], expected: Path) -> str | None:
    """The day's sha256 from a materialization's metadata; None when there is none, or when the
    metadata describes another file (a ``path`` with another name: e.g. a range run's last day)."""
    sha, path = metadata.get("sha256"), metadata.get("path")
    value = str(getattr(sha, "value", sha) or "")
    if not _SHA256.match(value):
        return None
    if path is not None and Path(str(getattr(path, "value", path))).name != expected.name:
        return None
    return value


def _batches(values: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def latest_digests(instance: dg.DagsterInstance, data_root: Path, assets: Iterable[str] = SWEPT,
                   ) -> dict[tuple[str, str], str | None]:
    """(asset, partition) -> sha256 recorded by the latest materialization, for every materialized
    partition (None when it recorded no per-day digest). Two queries per asset and 500 partitions."""
    digests: dict[tuple[str, str], str | None] = {}
    for asset in assets:
        key = dg.AssetKey(asset)
        latest = instance.event_log_storage.get_latest_storage_id_by_partition(
            key, dg.DagsterEventType.ASSET_MATERIALIZATION)
        partition_of = {storage_id: partition for partition, storage_id in latest.items()}
        for partition in latest:
            digests[(asset, partition)] = None
        for ids in _batches(sorted(partition_of), _BATCH):
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, storage_ids=ids), limit=len(ids)).records
            for record in records:
                partition = partition_of[record.storage_id]
                materialization = record.asset_materialization
                if materialization is not None:
                    digests[(asset, partition)] = _recorded_sha(
                        dict(materialization.metadata), expected_path(data_root, asset, partition))
    return digests


def _passed_on_latest(info: Any) -> bool:
    """The check passed, evaluated after the partition's latest materialization (partitioned checks
    record no target materialization, so Dagster's ``is_current`` cannot tell)."""
    return (info.latest_execution_status == AssetCheckExecutionRecordStatus.SUCCEEDED
            and info.latest_materialization_storage_id is not None
            and info.latest_check_event_storage_id > info.latest_materialization_storage_id)


class ChecksPassed:
    """``(asset, partition) -> bool``: every hard check of the asset passed on the partition's latest
    materialization. One query per asset, on first use, for all its partitions."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self.passed: dict[str, set[str]] = {}

    def __call__(self, asset: str, partition: str) -> bool:
        if asset not in self.passed:
            keys = [dg.AssetCheckKey(dg.AssetKey(asset), name) for name in HARD_CHECKS.get(asset, ())]
            ok: dict[str, int] = {}
            infos = self.instance.event_log_storage.get_asset_check_partition_info(keys) if keys else []
            for info in infos:
                if info.partition_key and _passed_on_latest(info):
                    ok[info.partition_key] = ok.get(info.partition_key, 0) + 1
            self.passed[asset] = {p for p, n in ok.items() if n == len(keys)}
        return partition in self.passed[asset]


def ocean_sweep(instance: dg.DagsterInstance, ocean: OceanResource) -> dict[str, Any]:
    """The corruption sweep against what this instance recorded (``config/ocean.yaml`` corruption)."""
    root = ocean.data_root()
    settings = ocean.config()["corruption"]
    recorded = Recorded(latest_digests(instance, root), ChecksPassed(instance))
    texture, _ = ocean.texture_spec()
    return sweep(root, ocean.products(), recorded, reverify=settings["reverify_per_sweep"],
                 texture=texture)
