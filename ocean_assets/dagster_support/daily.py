"""The one per-day helper every daily asset goes through: per-day truth inside one run.

An asset built with ``daily_asset`` is a function of one day (``day -> DayOutput``). The helper runs
it for every partition of the run (one key, or a whole single-run backfill range) and:

- records each good day **as soon as it is written**: one ``AssetMaterialization(partition=day)`` with
  that day's metadata (path, size, sha256, the day's figures) and its own data version (the files'
  sha256), so a run killed on day 8 of 10 keeps days 1-7;
- isolates failures: a day that raises is recorded with its reason and the loop goes on; at the end
  the step fails naming the failed days. The run then ends FAILURE, and Dagster's partition status
  shows exactly the failed days as failed and the good days as materialized (dagster-io/dagster#17836
  has no native way; this is the instance's own status, read as the UI reads it);
- when every day is good, yields the step output *without* a second materialization per day, so the
  downstream steps of the same run proceed (Dagster would otherwise log a range-wide event with one
  data version for all days);
- on a step retry (transient errors), skips the days this run already recorded;
- logs progress at most ~10 times per range (each event costs a database write), failures always.

When some days fail, downstream steps of that run are skipped by Dagster; ``continuation`` launches
them for the good days (see docs/per-day-truth.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import inspect
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.definitions.data_version import (
    CODE_VERSION_TAG,
    DATA_VERSION_IS_USER_PROVIDED_TAG,
    DATA_VERSION_TAG,
)
from dagster._core.definitions.source_asset import SYSTEM_METADATA_KEY_SOURCE_ASSET_OBSERVATION
from dagster._core.errors import DagsterExecutionInterruptedError

from ocean_assets.core.io import (
    DiskFullError,
    ReadOnlyError,
    as_disk_full,
    is_disk_full,
    sha256_file,
)
from ocean_assets.core.retry import PermanentError
from ocean_assets.dagster_support.common import REMOTE_RETRY, run_partition_keys
from ocean_assets.dagster_support.continuation import skip_days
from ocean_assets.dagster_support.launcher import HOST_TAG
from ocean_assets.dagster_support.policy import CODE_VERSION, policy_for
from ocean_assets.partitions import daily_partitions

# Yielded with the step's output when every day was recorded per day: tells Dagster not to log the
# range-wide materialization events again (the same switch Dagster uses for observable source
# assets, which log their own events). Pinned by ocean_assets_tests/test_per_day_truth.py.
_EVENTS_ALREADY_LOGGED = {SYSTEM_METADATA_KEY_SOURCE_ASSET_OBSERVATION: True}
FAILED_DAYS = "failed_days"  # metadata key of the step failure: {day: reason}
PROGRESS_EVENTS = 10  # at most this many progress lines per range (plus one per failure)


class DayFailure(Exception):
    """A day that cannot be produced (missing upstream file, nothing published): permanent."""


@dataclass
class Day:
    """What a per-day function gets: the day, its position in the range and the run's context."""

    key: str
    date: dt.date
    index: int
    total: int
    context: dg.AssetExecutionContext
    state: Any = None
    config: Any = None  # the run's config for the asset (a dg.Config), when it takes one
    shared: dict[str, Any] = field(default_factory=dict)  # one dict for all days of the run

    @property
    def log(self) -> Any:
        return self.context.log


@dataclass
class DayOutput:
    """What a per-day function returns: the files it wrote and the day's figures.

    ``version``: the data version when the output is not a file (e.g. database rows); by default the
    sha256 of the file (or of the files' sha256s). ``preview``: markdown (e.g. an image data URL or a
    table) shown on the last day of a range only, to keep the event log small."""

    files: Sequence[Path] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    version: str | None = None
    preview: str | None = None


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def day_metadata(out: DayOutput, root: Path | None) -> tuple[dict[str, Any], str]:
    """The per-day materialization metadata and data version of one day's output."""
    meta: dict[str, Any] = {}
    digests = []
    for path in out.files:
        digests.append(sha256_file(path))
    if len(out.files) == 1:
        meta.update(path=dg.MetadataValue.path(_relative(out.files[0], root)),
                    size_bytes=out.files[0].stat().st_size, sha256=digests[0])
    elif out.files:
        meta.update(files=len(out.files), size_bytes=sum(p.stat().st_size for p in out.files),
                    sha256_by_file=dg.MetadataValue.json(
                        {_relative(p, root): d for p, d in zip(out.files, digests, strict=True)}))
    for key, value in out.metadata.items():
        meta[key] = value
    version = out.version or (digests[0] if len(digests) == 1 else
                              hashlib.sha256("".join(digests).encode()).hexdigest() if digests else "")
    return meta, version


def _reason(exc: BaseException) -> str:
    text = str(exc.description if isinstance(exc, dg.Failure) else exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:300] if not isinstance(exc, (dg.Failure, DayFailure,
                                                                         PermanentError)) else first[:300]


def _is_permanent(exc: BaseException, permanent: tuple[type[BaseException], ...]) -> bool:
    if isinstance(exc, dg.Failure):
        return not exc.allow_retries
    return isinstance(exc, (PermanentError, DayFailure, FileNotFoundError, *permanent)) or is_disk_full(exc)


def _already_recorded(context: dg.AssetExecutionContext, asset_key: dg.AssetKey) -> set[str]:
    """Days this run already recorded for the asset (a retried step does not redo them)."""
    if context.retry_number == 0:
        return set()
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return {r.event_log_entry.dagster_event.partition for r in records  # type: ignore[union-attr]
            if r.event_log_entry.dagster_event
            and r.event_log_entry.dagster_event.asset_key == asset_key
            and r.event_log_entry.dagster_event.partition}


def run_days(context: dg.AssetExecutionContext, fn: Callable[..., DayOutput], resources: Mapping[str, Any],
             *, state: Any, root: Callable[[], Path | None], code_version: str,
             permanent: tuple[type[BaseException], ...], per_range: bool, config: Any = None,
             ) -> Iterator[Any]:
    """The loop: run ``fn`` per day, record each good day, collect the failed ones."""
    asset_key = context.asset_key
    keys = run_partition_keys(context) or [None]
    leave = _already_recorded(context, asset_key) | skip_days(context)
    todo = [k for k in keys if k not in leave]
    failed: dict[str, str] = {}
    transient = False
    every = max(1, len(todo) // PROGRESS_EVENTS)
    started = time.monotonic()
    data_root = root()
    if per_range and todo:  # one output for the whole range (e.g. a catalog of everything so far)
        calls: list[tuple[list[Any], Any]] = [(todo, todo[-1])]
    else:
        calls = [([k], k) for k in todo]
    shared: dict[str, Any] = {}
    for i, (covered, key) in enumerate(calls, 1):
        day = Day(key=key or "", date=dt.date.fromisoformat(key) if key else dt.date.min, index=i,
                  total=len(calls), context=context, state=state, config=config, shared=shared)
        try:
            out = fn(day, **resources)
        except DagsterExecutionInterruptedError:
            raise
        except Exception as caught:  # one bad day never hides the good ones
            exc = as_disk_full(caught) or caught  # e.g. SQLite's "database or disk is full"
            for k in covered:
                failed[k or "unpartitioned"] = _reason(exc)
            transient |= not _is_permanent(exc, permanent)
            context.log.error(f"[{i}/{len(calls)}] {asset_key.to_user_string()} {key}: FAILED: "
                              f"{_reason(exc)}")
            if isinstance(exc, (DiskFullError, ReadOnlyError)) or is_disk_full(exc):  # every later day would fail the same way
                for later, _ in calls[i:]:
                    for k in later:
                        failed[k or "unpartitioned"] = f"not attempted: {_reason(exc)}"
                break
            continue
        meta, version = day_metadata(out, data_root)
        for k in covered:
            last = k == keys[-1]
            day_meta = {**meta, **({"preview": dg.MetadataValue.md(out.preview)} if out.preview and last
                                   else {})}
            tags = {CODE_VERSION_TAG: code_version}
            if version:
                tags.update({DATA_VERSION_TAG: version, DATA_VERSION_IS_USER_PROVIDED_TAG: "true"})
            context.log_event(dg.AssetMaterialization(asset_key=asset_key, partition=k, metadata=day_meta,
                                                      tags=tags))
        if i % every == 0 or i == len(calls):
            context.log.info(f"[{i}/{len(calls)}] {asset_key.to_user_string()} {key} done "
                             f"({time.monotonic() - started:.1f} s)")
    if failed:
        good = len(todo) - len(failed)
        listing = "; ".join(f"{k}: {v}" for k, v in list(failed.items())[:20])
        more = f" (and {len(failed) - 20} more)" if len(failed) > 20 else ""
        if len(todo) == 1:  # one day: its reason alone (naming the day once)
            [(day_key, reason)] = failed.items()
            description = reason if day_key in reason else f"{day_key}: {reason}"
        else:
            description = f"{len(failed)} of {len(todo)} day(s) failed, {good} recorded: {listing}{more}"
        raise dg.Failure(
            description=description,
            metadata={FAILED_DAYS: dg.MetadataValue.json(failed), "recorded_days": good},
            allow_retries=transient,
        )
    yield dg.Output(None, metadata=_EVENTS_ALREADY_LOGGED)


def daily_asset(
    *,
    name: str,
    group: str,
    description: str,
    kinds: set[str],
    deps: Sequence[Any] = (),
    pool: str | None = None,
    remote: bool = False,
    partitions_def: dg.PartitionsDefinition = daily_partitions,
    backfill_policy: dg.BackfillPolicy | None = None,
    automation_condition: dg.AutomationCondition | None = None,
    metadata: Mapping[str, Any] | None = None,
    setup: Callable[..., contextlib.AbstractContextManager[Any]] | None = None,
    data_root: Callable[[], Path | None] | None = None,
    permanent: tuple[type[BaseException], ...] = (),
    per_range: bool = False,
    config: type[dg.Config] | None = None,
    code_version: str = CODE_VERSION,
) -> Callable[[Callable[..., DayOutput]], dg.AssetsDefinition]:
    """Decorate ``fn(day: Day, **resources) -> DayOutput`` into a daily-partitioned asset.

    The parameters after ``day`` name the resources the function needs (injected by Dagster).
    ``setup(context, **resources)``: a context manager around the whole range (a lock, a database
    engine); what it yields is ``day.state``. ``remote``: the asset calls a remote service, so the
    step gets the shared retry policy (transient errors only; a permanent error fails its day).
    ``config``: a ``dg.Config`` class the run may set (``day.config``).
    ``per_range``: call ``fn`` once for the whole range (dataset-wide files such as a catalog) and
    record its output for every day. Owners, freshness and backfill policy come from
    ``policy.policy_for(group)``: the one place shared policy is set."""
    policy = policy_for(group)

    def decorator(fn: Callable[..., DayOutput]) -> dg.AssetsDefinition:
        resource_keys = list(inspect.signature(fn).parameters)[1:]

        @dg.asset(
            name=name,
            group_name=group,
            description=description,
            kinds=kinds,
            deps=list(deps),
            pool=pool,
            partitions_def=partitions_def,
            backfill_policy=backfill_policy or policy.backfill_policy,
            retry_policy=REMOTE_RETRY if remote else None,
            automation_condition=automation_condition,
            owners=policy.owners,
            code_version=code_version,
            metadata=dict(metadata or {}),
            required_resource_keys=set(resource_keys),
            output_required=False,
            dagster_type=dg.Nothing,
            config_schema=config.to_config_schema() if config else None,
        )
        def _asset(context):  # noqa: ANN001, ANN202 - Dagster reads this annotation at run time; a generator
            _record_worker_host(context)
            resources = {k: getattr(context.resources, k) for k in resource_keys}
            run_config = config(**(context.op_execution_context.op_config or {})) if config else None
            managed = setup(context, **resources) if setup else contextlib.nullcontext()
            with managed as state:
                yield from run_days(context, fn, resources, state=state,
                                    root=data_root or _default_root, code_version=code_version,
                                    permanent=permanent, per_range=per_range, config=run_config)

        _asset.__doc__ = fn.__doc__
        return _asset

    return decorator


_TAGGED_RUNS: set[str] = set()


def _record_worker_host(context: dg.AssetExecutionContext) -> None:
    """The host running this run, for the launcher's worker health check (run monitoring)."""
    if context.run_id in _TAGGED_RUNS or context.run.tags.get(HOST_TAG):
        return
    context.instance.add_run_tags(context.run_id, {HOST_TAG: socket.gethostname()})
    _TAGGED_RUNS.add(context.run_id)


def _default_root() -> Path | None:
    from ocean_assets.settings import get_settings

    return get_settings().data_root
