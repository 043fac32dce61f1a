"""Recovery bookkeeping (the reference's recovery_manager): which failed partitions get another
materialization, with a bounded budget per (asset, partition) that is kept for ever."""

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

    @classmethod
    def from_cursor(cls, cursor: str | None) -> RecoveryState:
        if not cursor:
            return cls()
        raw = json.loads(cursor)
        return cls(int(raw.get("check_storage_id", 0)), float(raw.get("runs_updated_after", 0.0)),
                   {k: int(v) for k, v in raw.get("attempts", {}).items()}, list(raw.get("exhausted", [])))

    def to_cursor(self) -> str:
        return json.dumps({"check_storage_id": self.check_storage_id,
                           "runs_updated_after": self.runs_updated_after,
                           "attempts": self.attempts, "exhausted": self.exhausted}, sort_keys=True)


@dataclass(frozen=True)
class RecoveryRequest:
    asset: str
    partition: str
    attempt: int

    @property
    def run_key(self) -> str:
        return f"recover:{self.asset}:{self.partition}:{self.attempt}"


def plan_recovery(failed: set[tuple[str, str]], state: RecoveryState, budget: int,
                  ) -> tuple[list[RecoveryRequest], list[tuple[str, str]]]:
    """Requests for failed (asset, partition) pairs still within ``budget``; updates ``state``.

    Returns the requests and the pairs that are out of budget (newly or already).
    """
    requests: list[RecoveryRequest] = []
    out_of_budget: list[tuple[str, str]] = []
    for asset, partition in sorted(failed):
        key = f"{asset}|{partition}"
        used = state.attempts.get(key, 0)
        if used >= budget:
            out_of_budget.append((asset, partition))
            if key not in state.exhausted:
                state.exhausted.append(key)
            continue
        state.attempts[key] = used + 1
        requests.append(RecoveryRequest(asset, partition, used + 1))
    return requests, out_of_budget
