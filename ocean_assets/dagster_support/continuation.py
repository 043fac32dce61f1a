"""Follow-up runs for the good days of a run that failed on some days.

When a daily asset fails some days of a range (see ``daily``), Dagster skips every downstream step of
that run, for all days. From the run's own events this module works out, per skipped asset, the days
whose upstream days were all recorded (and passed their blocking checks), and per executed asset the
check evaluations that were skipped; it returns one follow-up run per contiguous range of such days.
The ``per_day_continuation`` sensor launches them; ``ocean-assets update`` / ``materialize`` run them
in process. A day an asset must not process (its own upstream day is bad, in a branching graph) is
passed in the ``SKIP_DAYS_TAG`` run tag and left alone by ``daily``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import dagster as dg

PARENT_TAG = "ocean_assets/continues_run"
SKIP_DAYS_TAG = "ocean_assets/skip_days"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"

_TYPES = {dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_MATERIALIZATION,
          dg.DagsterEventType.ASSET_CHECK_EVALUATION, dg.DagsterEventType.STEP_START}


@dataclass
class FollowUp:
    """One follow-up run: these assets and checks over the days first..last."""

    first: str
    last: str
    assets: list[dg.AssetKey]
    checks: list[dg.AssetCheckKey]
    skip: dict[str, list[str]] = field(default_factory=dict)  # asset -> days inside the range to leave

    def tags(self, parent_run_id: str) -> dict[str, str]:
        tags = {PARENT_TAG: parent_run_id, RANGE_START: self.first, RANGE_END: self.last}
        if self.skip:
            tags[SKIP_DAYS_TAG] = json.dumps(self.skip, sort_keys=True)
        return tags

    def run_request(self, parent_run_id: str) -> dg.RunRequest:
        return dg.RunRequest(run_key=f"{parent_run_id}:{self.first}:{self.last}",
                             asset_selection=self.assets, asset_check_keys=self.checks,
                             tags=self.tags(parent_run_id))


@dataclass
class RunDays:
    """What one run planned, recorded and blocked, per asset and day."""

    planned: dict[dg.AssetKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    recorded: dict[dg.AssetKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    blocked: dict[dg.AssetKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    checked: set[dg.AssetCheckKey] = field(default_factory=set)
    started_steps: set[str] = field(default_factory=set)


def read_run(instance: dg.DagsterInstance, run_id: str) -> RunDays:
    days = RunDays()
    for record in instance.get_records_for_run(run_id, of_type=_TYPES, limit=None).records:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START and event.step_key:
            days.started_steps.add(event.step_key)
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            data = event.asset_materialization_planned_data
            if data.partition:
                days.planned[data.asset_key].add(data.partition)
            elif data.partitions_subset is not None:
                days.planned[data.asset_key].update(data.partitions_subset.get_partition_keys())
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            if event.partition and event.asset_key:
                days.recorded[event.asset_key].add(event.partition)
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            days.checked.add(evaluation.asset_check_key)  # type: ignore[union-attr]
            if (not evaluation.passed and evaluation.blocking  # type: ignore[union-attr]
                    and evaluation.severity == dg.AssetCheckSeverity.ERROR  # type: ignore[union-attr]
                    and evaluation.partition):  # type: ignore[union-attr]
                days.blocked[evaluation.asset_key].add(evaluation.partition)  # type: ignore[union-attr]
    return days


def plan_follow_ups(days: RunDays, graph: dg.AssetGraph | object) -> list[FollowUp]:
    """The follow-up runs for a failed run (none when nothing downstream is left to do)."""
    asset_graph = graph  # BaseAssetGraph: get(key).parent_keys, .assets_def, asset_check_keys
    planned = [k for k in _toposort(days.planned, asset_graph) if days.planned[k]]
    executed = {k for k in planned if _step_name(asset_graph, k) in days.started_steps}
    good: dict[dg.AssetKey, set[str]] = {}
    todo: dict[dg.AssetKey, set[str]] = {}
    for key in planned:
        if key in executed:
            good[key] = days.recorded[key] - days.blocked[key]
            continue
        ok = set(days.planned[key])
        for parent in asset_graph.get(key).parent_keys:  # type: ignore[attr-defined]
            if parent in good:
                ok &= good[parent]
        ok -= days.recorded[key]
        good[key] = ok
        if ok:
            todo[key] = ok
    checks = [c for c in getattr(asset_graph, "asset_check_keys", ())
              if c.asset_key in executed and c not in days.checked and days.recorded[c.asset_key]
              and days.recorded[c.asset_key] != days.planned[c.asset_key]]
    check_days = set().union(*(days.recorded[c.asset_key] for c in checks)) if checks else set()
    all_days = set().union(*todo.values()) | check_days if todo else check_days
    follow_ups = []
    for first, last in _ranges(all_days):
        inside = {d for d in all_days if first <= d <= last}
        assets = [k for k in todo if todo[k] & inside]
        skip = {k.to_user_string(): sorted(inside - todo[k]) for k in assets if inside - todo[k]}
        run_checks = [c for c in checks if days.recorded[c.asset_key] & inside]
        for key in {c.asset_key for c in run_checks}:
            missing = inside - days.recorded[key]
            if missing:  # checks of an executed asset evaluate its recorded days only
                skip[key.to_user_string()] = sorted(missing)
        follow_ups.append(FollowUp(first, last, assets, run_checks, skip))
    return follow_ups


def _step_name(graph: object, key: dg.AssetKey) -> str:
    node = graph.get(key)  # type: ignore[attr-defined]
    assets_def = getattr(node, "assets_def", None)
    return assets_def.node_def.name if assets_def is not None else key.to_python_identifier()


def _toposort(planned: dict[dg.AssetKey, set[str]], graph: object) -> list[dg.AssetKey]:
    ordered: list[dg.AssetKey] = []
    seen: set[dg.AssetKey] = set()

    def visit(key: dg.AssetKey) -> None:
        if key in seen:
            return
        seen.add(key)
        for parent in graph.get(key).parent_keys:  # type: ignore[attr-defined]
            if parent in planned:
                visit(parent)
        ordered.append(key)

    for key in sorted(planned, key=lambda k: k.to_user_string()):
        visit(key)
    return ordered


def _ranges(days: Iterable[str]) -> list[tuple[str, str]]:
    """Contiguous runs of ISO days: ['2024-01-01','2024-01-02','2024-01-04'] -> two ranges."""
    ordered = sorted(days)
    out: list[tuple[str, str]] = []
    for day in ordered:
        if out and dt.date.fromisoformat(day) - dt.date.fromisoformat(out[-1][1]) == dt.timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def skip_days(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
              asset_key: dg.AssetKey | None = None) -> set[str]:
    """Days of this run an asset (or its checks) must leave alone (a follow-up run's tag)."""
    raw = context.run.tags.get(SKIP_DAYS_TAG)
    if not raw:
        return set()
    key = asset_key or context.asset_key  # type: ignore[union-attr]
    return set(json.loads(raw).get(key.to_user_string(), []))


def run_follow_ups_in_process(defs: dg.Definitions, instance: dg.DagsterInstance, run_id: str,
                              run_config: dict | None = None, max_depth: int = 5,
                              ) -> list[dg.ExecuteInProcessResult]:
    """Run the follow-ups of a failed run in this process (the CLI's way; the sensor's without a
    daemon), then the follow-ups of those that fail, and so on."""
    from dagster._core.definitions.assets.job.asset_job import IMPLICIT_ASSET_JOB_NAME

    repo = defs.get_repository_def()
    results: list[dg.ExecuteInProcessResult] = []
    pending = [(run_id, 0)]
    while pending:
        parent, depth = pending.pop(0)
        if depth >= max_depth:
            continue
        for follow_up in plan_follow_ups(read_run(instance, parent), repo.asset_graph):
            job = repo.get_maybe_subset_job_def(IMPLICIT_ASSET_JOB_NAME,
                                                asset_selection=set(follow_up.assets),
                                                asset_check_selection=set(follow_up.checks))
            result = job.execute_in_process(instance=instance, tags=follow_up.tags(parent),
                                            raise_on_error=False, run_config=run_config)
            results.append(result)
            if not result.success:
                pending.append((result.run_id, depth + 1))
    return results
