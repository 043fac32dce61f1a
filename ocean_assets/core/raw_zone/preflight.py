"""Pre-flight checks before a migration or a rollback touches the zones."""

from __future__ import annotations

import shutil
from pathlib import Path


class PreflightError(RuntimeError):
    """The migration must not start; the message says why and what to do."""


def free_fraction(path: Path) -> float:
    path = Path(path)
    while not path.exists():
        path = path.parent
    usage = shutil.disk_usage(path)
    return usage.free / usage.total if usage.total else 0.0


def check_disk(path: Path, min_free_fraction: float) -> float:
    """Raise ``PreflightError`` when the disk holding ``path`` has less free space than required."""
    fraction = free_fraction(path)
    if fraction < min_free_fraction:
        raise PreflightError(
            f"only {fraction:.1%} of the disk holding {path} is free; the migration needs at "
            f"least {min_free_fraction:.0%}. Free space (e.g. delete old _backups/ sets) and retry.")
    return fraction


def check_no_other_migration(active_run_ids: list[str]) -> None:
    if active_run_ids:
        shown = ", ".join(r[:8] for r in active_run_ids)
        raise PreflightError(f"another raw_zone migration is running (run {shown}); "
                             "wait for it to finish (the raw_zone_migration pool allows one).")
