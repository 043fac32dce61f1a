"""Helpers shared by the command modules: loading definitions, the instance, dates."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click
import dagster as dg

from ocean_assets.settings import PROJECT_ROOT

MAIN_JOB_TAG = "ocean_assets/main_job"
# Domains run in this order: later ones read earlier ones' outputs (reef_health reads acidity).
DOMAIN_ORDER = ("ocean", "conus404", "ship_chips", "reef_health", "raw_zone", "platform")


def load_definitions() -> dg.Definitions:
    from ocean_assets.definitions import defs

    return defs() if callable(defs) else defs


def get_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME; ``./.dagster_home`` (with the project's dagster.yaml) if unset."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home_path = Path(".dagster_home").resolve()
        home_path.mkdir(parents=True, exist_ok=True)
        template = PROJECT_ROOT / "dagster.yaml"
        target = home_path / "dagster.yaml"
        if template.exists() and not target.exists():
            target.write_text(template.read_text())
        os.environ["DAGSTER_HOME"] = str(home_path)
    return dg.DagsterInstance.get()


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def yesterday() -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def main_jobs(defs: dg.Definitions) -> list[dg.JobDefinition]:
    """The per-domain daily jobs (tagged ``ocean_assets/main_job``) in dependency order."""
    # a job imported by a sensor module shows up once per module that holds it: one per name
    names = dict.fromkeys(job.name for job in defs.jobs or [] if getattr(job, "tags", {}).get(MAIN_JOB_TAG))
    resolved = [defs.resolve_job_def(name) for name in names]

    def order(job: dg.JobDefinition) -> int:
        domain = job.tags.get(MAIN_JOB_TAG, "")
        return DOMAIN_ORDER.index(domain) if domain in DOMAIN_ORDER else len(DOMAIN_ORDER)

    return sorted(resolved, key=order)


def clamp_partition(partitions_def: dg.PartitionsDefinition, day: dt.date) -> tuple[str, bool]:  # noqa: E501
    """The partition key for ``day``, or the nearest existing one; True when it had to move."""
    key = day.isoformat()
    keys = partitions_def.get_partition_keys()
    if not keys:
        raise click.ClickException("the job's partitions definition has no partitions yet")
    if key in keys:
        return key, False
    return (keys[-1] if key > keys[-1] else keys[0]), True
