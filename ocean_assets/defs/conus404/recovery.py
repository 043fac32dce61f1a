"""Re-running failed days (the reference's retry_failed.py) as Dagster runs of failed partitions."""

from collections.abc import Callable

import dagster as dg

from ocean_assets.defs.conus404.jobs import conus404_daily

PARTITION_TAG = "dagster/partition"


def failed_partitions(instance: dg.DagsterInstance, job_name: str = conus404_daily.name
                      ) -> list[str]:
    """Days whose latest finished run of the job failed (and were not fixed since)."""
    latest: dict[str, dg.DagsterRunStatus] = {}
    runs = instance.get_runs(filters=dg.RunsFilter(
        job_name=job_name,
        statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]))
    for run in runs:  # newest first
        key = run.tags.get(PARTITION_TAG)
        if key and key not in latest:
            latest[key] = run.status
    return sorted(k for k, status in latest.items() if status == dg.DagsterRunStatus.FAILURE)


def rerun_failed(instance: dg.DagsterInstance, job: dg.JobDefinition, limit: int | None = None,
                 days: list[str] | None = None, on_done: Callable[[str, bool], None] | None = None,
                 ) -> dict[str, bool]:
    """Run the job again for each failed day (oldest first, or ``days``); returns day -> success.
    ``on_done(day, success)`` is called as each day finishes (progress)."""
    results = {}
    for key in (days if days is not None else failed_partitions(instance, job.name)[:limit]):
        result = job.execute_in_process(instance=instance, partition_key=key,
                                        raise_on_error=False, tags={"ocean_assets/retry_of": "failed"})
        results[key] = result.success
        if on_done is not None:
            on_done(key, result.success)
    return results
