"""Per-day results of CLI runs: what each asset recorded or failed, day by day, with reasons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import dagster as dg
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ocean_assets.dagster_support.daily import FAILED_DAYS


def per_day_outcomes(results: Sequence[dg.ExecuteInProcessResult], instance: dg.DagsterInstance,
                     ) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
    """(recorded days per asset, {asset: {day: reason}} of failed days) over a run and its follow-ups,
    read from the instance: the per-day helper records each day's materialization there as it
    finishes, which a failed step's in-process result does not list."""
    recorded: dict[str, set[str]] = defaultdict(set)
    failed: dict[str, dict[str, str]] = defaultdict(dict)
    types = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.STEP_FAILURE}
    for result in results:
        for entry in instance.all_logs(result.run_id, of_type=types):
            event = entry.dagster_event
            if event is None:
                continue
            if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key and event.partition:
                recorded[event.asset_key.to_user_string()].add(event.partition)
            elif event.event_type_value == "STEP_FAILURE" and event.step_key:
                data = event.step_failure_data.user_failure_data
                days = data.metadata.get(FAILED_DAYS) if data is not None else None
                if days is not None:
                    failed[event.step_key].update(days.value)  # type: ignore[arg-type]
    for asset, days in failed.items():  # a day recorded by a later run is no longer failed
        for day in recorded.get(asset, set()) & set(days):
            days.pop(day)
    return recorded, failed


def print_per_day(console: Console, results: Sequence[dg.ExecuteInProcessResult], days: Sequence[str],
                  instance: dg.DagsterInstance) -> int:
    """A table per asset (days recorded / failed) and each failed day's reason; returns #failed days."""
    recorded, failed = per_day_outcomes(results, instance)
    assets = sorted(set(recorded) | {a for a, d in failed.items() if d})
    if not assets:
        return 0
    table = Table("asset", "days recorded", "days failed", "days not run")
    for asset in assets:
        bad = failed.get(asset, {})
        done = recorded.get(asset, set())
        table.add_row(asset, str(len(done)), f"[red]{len(bad)}[/red]" if bad else "0",
                      str(len(set(days) - done - set(bad))))
    console.print(table)
    total = 0
    for asset in assets:
        for day, reason in sorted(failed.get(asset, {}).items()):
            # one line per day, never folded: the reason often holds a path to copy
            console.print(f"  [red]FAILED[/red] {asset} {day}: {escape(reason)}", soft_wrap=True)
            total += 1
    if len(results) > 1:
        console.print(f"  {len(results) - 1} follow-up run(s) did the downstream assets of the good days")
    return total
