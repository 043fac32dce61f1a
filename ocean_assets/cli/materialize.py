"""``ocean-assets materialize``: the main job — every domain's assets for one day, with check results."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import click

from ocean_assets.cli._common import parse_date, yesterday
from ocean_assets.location import DOMAIN_ORDER, MAIN_JOB_TAG

if TYPE_CHECKING:
    import dagster as dg

# Step-by-step Dagster logs (failures with their tracebacks too) are in the instance and the UI;
# the terminal gets the summary: check results and each failed step's root cause in one line.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


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
    if err is None:
        return ""
    message = err.message.strip()
    if getattr(err, "cls_name", "") == "Failure":  # dg.Failure: its description is the message
        message = message.split(": ", 1)[-1]
    return message


def _status(row: dict[str, object]) -> str:
    if row["passed"]:
        return "[green]PASS[/green]"
    return "[red]FAIL[/red]" if row["severity"] == "ERROR" else "[yellow]WARN[/yellow]"


def partition_range(partitions_def: Any) -> tuple[str, str] | None:
    """First and last partition key of a daily partitions definition (None: no partitions yet)."""
    keys = partitions_def.get_partition_keys()
    return (keys[0], keys[-1]) if keys else None


def plan_days(jobs: list[Any], day: dt.date, explicit: bool) -> tuple[list[Any], list[str]]:
    """The jobs that run ``day`` and one line per domain that does not have it.

    Never another day than asked: a domain named with ``--domain`` that has no partition for the day
    is a usage error (nothing runs); without ``--domain`` such domains are skipped and listed, and
    a day no domain has is a usage error."""
    key = day.isoformat()
    runnable, outside = [], []
    for job in jobs:
        bounds = partition_range(job.partitions_def)
        if bounds and bounds[0] <= key <= bounds[1]:
            runnable.append(job)
        else:
            span = f"{bounds[0]} .. {bounds[1]}" if bounds else "none yet"
            outside.append(f"{job.tags[MAIN_JOB_TAG]} has no partition for {key} (its partitions: {span})")
    if outside and (explicit or not runnable):
        raise click.BadParameter("; ".join(outside), param_hint="--date")
    return runnable, outside


@click.command("materialize")
@click.option("--date", "date_", help="Day to materialize (YYYY-MM-DD); default yesterday (UTC).")
@click.option("--domain", "domains", multiple=True, type=click.Choice(DOMAIN_ORDER),
              help="Only these domains (repeatable). Each must have a partition for the day.")
def materialize(date_: str | None, domains: tuple[str, ...]) -> None:
    """Materialize every asset for one day, domain by domain, and print each check's result.

    Only the day asked for is ever run. With --domain, every named domain must have that day
    (else exit 2, nothing runs). Without --domain, the domains whose partitions hold the day run
    and the others are listed as skipped (e.g. CONUS404 ends 2022-09-30); a day no domain has
    exits 2. Exit 1 if any run failed.
    """
    day = parse_date(date_, "--date") or yesterday()
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ocean_assets.cli._common import get_instance
    from ocean_assets.dagster_support.continuation import run_follow_ups_in_process
    from ocean_assets.location import load_definitions, main_jobs

    defs = load_definitions()  # Dagster's note on conus404's policies is silenced in ocean_assets/__init__
    jobs = [j for j in main_jobs(defs) if not domains or j.tags[MAIN_JOB_TAG] in domains]
    if not jobs:
        raise click.BadParameter(f"no daily job for {', '.join(domains)}", param_hint="--domain")
    jobs, skipped = plan_days(jobs, day, explicit=bool(domains))
    console = Console(width=None if sys.stdout.isatty() else 160)
    for line in skipped:
        console.print(f"skipped: {escape(line)}")
    instance = get_instance()
    failures = 0
    for job in jobs:
        key = day.isoformat()
        console.rule(f"{job.tags[MAIN_JOB_TAG]}: {job.name} partition {key}")
        result = job.execute_in_process(
            instance=instance, partition_key=key, raise_on_error=False, run_config=QUIET_LOGS
        )
        # a failed step skips its downstream: the follow-up runs them where their inputs exist
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
