"""``ocean-assets materialize``: the main job — every domain's assets for one day, with check results."""

from __future__ import annotations

import sys

import click
import dagster as dg
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ocean_assets.cli._common import (
    MAIN_JOB_TAG,
    clamp_partition,
    get_instance,
    load_definitions,
    main_jobs,
    parse_date,
    yesterday,
)
from ocean_assets.dagster_support.continuation import run_follow_ups_in_process

# Step-by-step Dagster logs are in the instance (and the UI); keep the terminal to the summary.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def check_rows(result: dg.ExecuteInProcessResult) -> list[dict[str, object]]:
    rows = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        data = event.event_specific_data
        message = data.metadata.get("message")
        rows.append(
            {
                "asset": data.asset_key.to_user_string(),
                "check": data.check_name,
                "partition": data.partition or "",
                "passed": data.passed,
                "severity": data.severity.value,
                "message": getattr(message, "value", "") if message is not None else "",
            }
        )
    return rows


def _root_cause(err) -> str:  # noqa: ANN001
    """The innermost error message of a Dagster step failure (the user's exception)."""
    while err is not None and getattr(err, "cause", None) is not None:
        err = err.cause
    return err.message.strip() if err is not None else ""


def _status(row: dict[str, object]) -> str:
    if row["passed"]:
        return "[green]PASS[/green]"
    return "[red]FAIL[/red]" if row["severity"] == "ERROR" else "[yellow]WARN[/yellow]"


@click.command("materialize")
@click.option("--date", "date_", help="Day to materialize (YYYY-MM-DD); default yesterday (UTC).")
@click.option("--domain", "domains", multiple=True, help="Only these domains (repeatable).")
def materialize(date_: str | None, domains: tuple[str, ...]) -> None:
    """Materialize every asset for one day, domain by domain, and print each check's result."""
    day = parse_date(date_) or yesterday()
    console = Console(width=None if sys.stdout.isatty() else 160)
    defs = load_definitions()
    instance = get_instance()
    jobs = [j for j in main_jobs(defs) if not domains or j.tags[MAIN_JOB_TAG] in domains]
    if not jobs:
        raise click.ClickException(f"no daily job matches domains {list(domains)}")
    failures = 0
    for job in jobs:
        key, moved = clamp_partition(job.partitions_def, day)
        note = f" (nearest partition to {day}: this archive ends earlier)" if moved else ""
        console.rule(f"{job.tags[MAIN_JOB_TAG]}: {job.name} partition {key}{note}")
        result = job.execute_in_process(
            instance=instance, partition_key=key, raise_on_error=False, run_config=QUIET_LOGS
        )
        # a failed day leaves downstream steps skipped: the follow-up runs them where they can run
        follow = [] if result.success else run_follow_ups_in_process(defs, instance, result.run_id, QUIET_LOGS)
        table = Table("asset", "check", "partition", "result", "message", show_lines=False)
        rows = [row for r in (result, *follow) for row in check_rows(r)]
        for row in rows:
            table.add_row(str(row["asset"]), str(row["check"]), str(row["partition"]),
                          _status(row), escape(str(row["message"])[:110]))
        console.print(table)
        mats = [e for r in (result, *follow) for e in r.all_events
                if e.event_type_value == "ASSET_MATERIALIZATION"]
        status = "[green]success[/green]" if result.success else "[red]FAILED[/red]"
        console.print(f"run {result.run_id[:8]}: {status}, {len(mats)} materializations, "
                      f"{sum(bool(r['passed']) for r in rows)}/{len(rows)} checks passed")
        if not result.success:
            failures += 1
            for event in result.all_events:
                if event.event_type_value == "STEP_FAILURE":
                    err = event.event_specific_data.error
                    console.print(f"[red]{event.step_key}:[/red] {escape(_root_cause(err))}")
    sys.exit(1 if failures else 0)


def register(cli: click.Group) -> None:
    cli.add_command(materialize)
