"""Pre-flight checks before a migration or a rollback touches the zones (free disk here; the
zone lock, held by a live process, is in ``lock.py``)."""

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
