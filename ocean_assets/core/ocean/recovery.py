"""Recovery bookkeeping (the reference's recovery_manager): which failed partitions get another
materialization, with a bounded budget per (asset, partition), a cap on runs per tick (the rest
wait in the cursor) and a bounded cursor (the oldest partitions' bookkeeping is dropped first).
Failed partitions are those whose integrity check or run failed (the days a run's Failure names,
not the days it recorded), and those the corruption sweep found missing, altered or broken; a
partition materialized again after its failure (blocking checks not failed) is not failed any more."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class RecoveryState:
    """Serialized as the recovery sensor's cursor, so attempts are visible and survive restarts."""

    check_storage_id: int = 0          # newest check event already looked at
    runs_updated_after: float = 0.0    # newest failed run already looked at (timestamp)
    attempts: dict[str, int] = field(default_factory=dict)   # "asset|partition" -> re-runs requested
    exhausted: list[str] = field(default_factory=list)       # partitions out of budget
    pending: list[str] = field(default_factory=list)         # within budget, deferred by the per-tick cap
    report_storage_id: int = 0         # newest corruption-sweep report already looked at
    # pending partition -> storage id of its newest materialization when it was deferred: a newer one
    # (with no failed blocking check) means it was repaired meanwhile and is not requested
    pending_since: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_cursor(cls, cursor: str | None) -> RecoveryState:
        if not cursor:
            return cls()
        raw = json.loads(cursor)
        return cls(int(raw.get("check_storage_id", 0)), float(raw.get("runs_updated_after", 0.0)),
                   {k: int(v) for k, v in raw.get("attempts", {}).items()}, list(raw.get("exhausted", [])),
                   list(raw.get("pending", [])), int(raw.get("report_storage_id", 0)),
                   {k: int(v) for k, v in raw.get("pending_since", {}).items()})

    def to_cursor(self) -> str:
        return json.dumps({"check_storage_id": self.check_storage_id,
                           "runs_updated_after": self.runs_updated_after,
                           "attempts": self.attempts, "exhausted": self.exhausted, "pending": self.pending,
                           "report_storage_id": self.report_storage_id, "pending_since": self.pending_since},
                          sort_keys=True)

    def prune(self, max_tracked: int) -> int:
        """Keep the bookkeeping of the newest ``max_tracked`` partitions; returns how many were dropped.
        A dropped partition that fails again starts a fresh budget."""
        if len(self.attempts) <= max_tracked:
            return 0
        newest = sorted(self.attempts, key=lambda k: (k.split("|", 1)[-1], k), reverse=True)[:max_tracked]
        dropped = len(self.attempts) - len(newest)
        self.attempts = {k: self.attempts[k] for k in sorted(newest)}
        self.exhausted = [k for k in self.exhausted if k in self.attempts]
        return dropped


@dataclass(frozen=True)
class RecoveryRequest:
    asset: str
    partition: str
    attempt: int

    @property
    def run_key(self) -> str:
        return f"recover:{self.asset}:{self.partition}:{self.attempt}"


def plan_recovery(failed: set[tuple[str, str]], state: RecoveryState, budget: int,
                  max_requests: int | None = None) -> tuple[list[RecoveryRequest], list[tuple[str, str]]]:
    """Requests for failed (asset, partition) pairs still within ``budget``; updates ``state``.

    Newest partitions first; at most ``max_requests`` per call, the rest are kept in
    ``state.pending`` for the next call. Returns the requests and the pairs out of budget.
    """
    requests: list[RecoveryRequest] = []
    out_of_budget: list[tuple[str, str]] = []
    waiting = failed | {tuple(k.split("|", 1)) for k in state.pending}
    state.pending = []
    for asset, partition in sorted(waiting, key=lambda ap: (ap[1], ap[0]), reverse=True):
        key = f"{asset}|{partition}"
        used = state.attempts.get(key, 0)
        if used >= budget:
            out_of_budget.append((asset, partition))
            if key not in state.exhausted:
                state.exhausted.append(key)
            continue
        if max_requests is not None and len(requests) >= max_requests:
            state.pending.append(key)
            continue
        state.attempts[key] = used + 1
        requests.append(RecoveryRequest(asset, partition, used + 1))
    return requests, out_of_budget


def by_partition(requests: list[RecoveryRequest]) -> dict[str, list[RecoveryRequest]]:
    """Requests grouped per partition, so one run re-materializes a day's product and its texture
    in dependency order."""
    groups: dict[str, list[RecoveryRequest]] = {}
    for request in requests:
        groups.setdefault(request.partition, []).append(request)
    return groups
