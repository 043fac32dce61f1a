"""The raw-zone lock as runs use it: held by the step's live process, and the run of a holder
that died (SIGKILL, OOM) is marked failed by whoever takes the lock next."""

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg

from ocean_assets.core.raw_zone.lock import Holder, hold
from ocean_assets.core.raw_zone.zones import Zones

IN_PROGRESS = (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING,
               dg.DagsterRunStatus.CANCELING)


def fail_run_of_dead_holder(instance: dg.DagsterInstance, holder: Holder,
                            log: logging.Logger | dg.DagsterLogManager) -> str | None:
    """Mark the run of a lock holder that died as failed, if the instance still shows it in
    progress; returns its run id then. The lock was free, so its process is gone."""
    run = instance.get_run_by_id(holder.run_id) if holder.run_id else None
    if run is None or run.status not in IN_PROGRESS:
        return None
    message = (f"raw-zone lock holder {holder.describe()} died without releasing the lock; "
               "its run is marked failed (re-run its days; finished files are kept)")
    instance.report_run_failed(run, message=message)
    log.warning(message)
    return run.run_id


@dataclass(frozen=True)
class Takeover:
    previous: Holder | None  # the record a dead holder left, if any
    failed_run: str | None  # its run, marked failed now


@contextlib.contextmanager
def migration_lock(instance: dg.DagsterInstance, log: logging.Logger | dg.DagsterLogManager,
                   zones: Zones, run_id: str, wait_seconds: float,
                   purpose: str = "migration") -> Iterator[Takeover]:
    """Hold the raw-zone lock (``LockBusy`` naming the holder after ``wait_seconds``)."""
    with hold(zones, purpose, run_id=run_id, wait_seconds=wait_seconds) as previous:
        failed = None
        if previous is not None and previous.run_id != run_id:
            failed = fail_run_of_dead_holder(instance, previous, log)
        yield Takeover(previous, failed)
