"""Migrating one raw file: validate, then copy into validated (or quarantine) with checksum
verification at the write, backing up whatever it replaces. Nothing half-written, nothing lost."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocean_assets.core.io import atomic_path, atomic_write_text, sha256_bytes, sha256_file
from ocean_assets.core.raw_zone.validation import ValidationReport, validate_file_bytes
from ocean_assets.core.raw_zone.zones import Zones

VALIDATED, QUARANTINED, UNCHANGED = "validated", "quarantined", "unchanged"


class ChecksumMismatchError(OSError):
    """What landed on disk is not what was read: the copy is discarded, the old file stays."""


class PreflightError(RuntimeError):
    """The migration must not start (disk nearly full, another migration running)."""


@dataclass
class MigrationResult:
    key: str
    outcome: str
    sha256: str
    records: int = 0
    reason: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    backup: str | None = None
    size_bytes: int = 0


def backup_stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _write_bytes(path: Path, data: bytes) -> None:
    """The one place bytes hit the disk (tests replace it to simulate corruption or ENOSPC)."""
    with path.open("wb") as fh:
        fh.write(data)


def write_verified(dest: Path, data: bytes, expected_sha: str) -> None:
    """Write through a temp file, re-read it, and rename only if its sha256 matches."""
    with atomic_path(dest) as tmp:
        _write_bytes(tmp, data)
        actual = sha256_file(tmp)
        if actual != expected_sha:
            raise ChecksumMismatchError(
                errno.EIO, f"checksum mismatch writing {dest.name}: expected {expected_sha[:12]}, got {actual[:12]}")


def backup(zones: Zones, key: str, stamp: str) -> Path:
    """Copy the current validated file of ``key`` to ``_backups/{stamp}/{key}`` (verified)."""
    current = zones.validated_file(key)
    data = current.read_bytes()
    target = zones.backups / stamp / key
    write_verified(target, data, sha256_bytes(data))
    return target


def migrate_file(zones: Zones, key: str, schema: dict[str, Any], now: dt.datetime,
                 max_bytes: int = 100 * 2**20) -> MigrationResult:
    raw = zones.raw_file(key)
    size = raw.stat().st_size
    if size > max_bytes:
        data = b""
        sha = sha256_file(raw)
        report = ValidationReport(False, 0, [{"rule": "size", "record": None,
                                              "message": f"{size} bytes exceeds the {max_bytes}-byte limit"}])
    else:
        data = raw.read_bytes()
        sha = sha256_bytes(data)
        report = validate_file_bytes(raw.name, data, schema)
    if not report.valid:
        if data:
            write_verified(zones.quarantine_file(key), data, sha)
        reason = {"key": key, "sha256": sha, "reason": report.reason(), "errors": report.errors,
                  "quarantined_at": now.astimezone(dt.UTC).isoformat(), "schema": schema.get("$id")}
        atomic_write_text(zones.reason_file(key), json.dumps(reason, indent=2))
        return MigrationResult(key, QUARANTINED, sha, report.records, report.reason(), report.errors,
                               size_bytes=size)
    dest = zones.validated_file(key)
    if dest.exists() and sha256_file(dest) == sha:
        return MigrationResult(key, UNCHANGED, sha, report.records, size_bytes=size)
    saved = backup(zones, key, backup_stamp(now)) if dest.exists() else None
    write_verified(dest, data, sha)
    for stale in (zones.quarantine_file(key), zones.reason_file(key)):  # it was fixed upstream
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    return MigrationResult(key, VALIDATED, sha, report.records,
                           backup=str(saved.relative_to(zones.data_root)) if saved else None, size_bytes=size)


def free_fraction(path: Path) -> float:
    usage = shutil.disk_usage(path)
    return usage.free / usage.total


@contextlib.contextmanager
def preflight(zones: Zones, min_free_fraction: float, free: float | None = None) -> Iterator[None]:
    """Refuse to run with too little free disk or while another migration holds the lock."""
    zones.data_root.mkdir(parents=True, exist_ok=True)
    fraction = free_fraction(zones.data_root) if free is None else free
    if fraction < min_free_fraction:
        raise PreflightError(f"insufficient disk space: {fraction:.1%} free under {zones.data_root}, "
                             f"migration needs at least {min_free_fraction:.0%}")
    lock_path = zones.data_root / ".raw_zone_migration.lock"
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PreflightError("another raw-zone migration is running (lock held); try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
