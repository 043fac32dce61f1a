"""Small Dagster helpers every domain's defs share: retry policy, permanent failures, partition keys,
file metadata."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from ocean_assets.core.io import as_disk_full, sha256_file
from ocean_assets.core.retry import PermanentError

REMOTE_RETRY = dg.RetryPolicy(
    max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL
)


@contextlib.contextmanager
def fail_permanently(prefix: str = "", also: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """A PermanentError (refused credentials, unknown dataset, 404, disk full), or one of ``also``
    (e.g. a malformed plan file), fails the step at once with its reason: the step's RetryPolicy
    would only repeat it."""
    try:
        yield
    except (PermanentError, *also) as exc:
        raise dg.Failure(description=f"{prefix}{exc}", allow_retries=False) from None
    except Exception as exc:
        if (full := as_disk_full(exc)) is None:  # e.g. SQLite's "database or disk is full"
            raise
        raise dg.Failure(description=f"{prefix}{full}", allow_retries=False) from None


def run_partition_keys(context: Any) -> list[str]:
    """Partition keys of the current step: one key, a range (single-run backfill) or none."""
    if getattr(context, "has_partition_key_range", False) or getattr(
        context, "has_partition_key", False
    ):
        return list(context.partition_keys)
    return []


def file_metadata(path: Path, data_root: Path | None = None) -> dict[str, Any]:
    """Size, sha256 and path of a written file, for materialization metadata."""
    shown = str(path.relative_to(data_root)) if data_root and path.is_relative_to(data_root) else str(path)
    return {
        "path": dg.MetadataValue.path(shown),
        "size_bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def job_subset(job: dg.JobDefinition, assets: list[dg.AssetKey]) -> dg.JobDefinition:
    """``job`` narrowed to ``assets`` and the job's own checks of them. ``execute_in_process(
    asset_selection=...)`` would add every check of those assets, the freshness checks the job leaves
    out included, and a run planned with a step its job lacks cannot be re-executed from failure."""
    keys = set(assets)
    checks = {k for k in job.asset_layer.asset_graph.asset_check_keys if k.asset_key in keys}
    return job.get_subset(asset_selection=keys, asset_check_selection=checks)
