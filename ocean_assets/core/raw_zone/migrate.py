"""Migrating one raw file: validate, then copy into validated (backing up what it replaces) or
into quarantine with a machine-readable reason. Each call is idempotent."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

from ocean_assets.core.io import atomic_write_text, sha256_bytes, sha256_file
from ocean_assets.core.raw_zone.backups import backup_file
from ocean_assets.core.raw_zone.copying import ChecksumMismatch, write_verified
from ocean_assets.core.raw_zone.inventory import RawFile, read_regular
from ocean_assets.core.raw_zone.validation import validate_bytes
from ocean_assets.core.raw_zone.zones import Zones

Status = Literal["migrated", "replaced", "unchanged", "quarantined", "checksum_mismatch",
                 "unreadable"]
DONE = ("migrated", "replaced", "unchanged", "quarantined")  # the sha256 needs no further work
FAILED = ("checksum_mismatch", "unreadable")  # the day's migration failed for this file


class _Identity(TypedDict):
    """What every outcome of one read file says about it."""

    relpath: str
    arrival: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class FileOutcome:
    relpath: str
    arrival: str
    sha256: str
    size_bytes: int
    status: Status
    zone: str  # validated | quarantine | none
    records: int = 0
    problems: int = 0
    backup: str | None = None  # backup stamp holding the file this one replaced
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _same(path: Path, sha: str) -> bool:
    return path.exists() and sha256_file(path) == sha


def _already_done(zones: Zones, raw: RawFile, sha: str) -> str | None:
    if _same(zones.validated_path(raw.source, raw.name), sha):
        return "validated"
    if _same(zones.quarantine_path(raw.source, raw.name), sha) and \
            zones.reason_path(raw.source, raw.name).exists():
        return "quarantine"
    return None


def migrate_file(zones: Zones, raw: RawFile, schema: dict[str, Any], stamp: str,
                 force: bool = False) -> FileOutcome:
    """Migrate ``raw``. ``stamp`` names the backup set used if a validated file is replaced.

    ``force`` re-validates content that was already migrated (rules changed: ``reprocess``).
    """
    try:
        data = read_regular(raw.path)
    except OSError as exc:  # no permission, or swapped for a link or fifo since the walk
        return FileOutcome(raw.relpath, raw.arrival, "", 0, status="unreadable", zone="none",
                           message=f"cannot read {raw.relpath}: {exc.strerror or exc}")
    sha = sha256_bytes(data)
    base: _Identity = {"relpath": raw.relpath, "arrival": raw.arrival, "sha256": sha, "size_bytes": len(data)}
    done = _already_done(zones, raw, sha)
    if done and not force:
        return FileOutcome(**base, status="unchanged", zone=done, message=f"already in {done}")
    result = validate_bytes(data, raw.path.suffix, schema, source=raw.source)
    dest = zones.validated_path(raw.source, raw.name)
    try:
        if not result.valid:
            return _quarantine(zones, raw, data, sha, result.to_dict(), stamp, base)
        backup = None
        if dest.exists() and sha256_file(dest) != sha:
            backup_file(zones, stamp, raw.source, raw.name)
            backup = stamp
        replaced = dest.exists()
        write_verified(dest, data, sha)
    except ChecksumMismatch as exc:
        return FileOutcome(**base, status="checksum_mismatch", zone="none",
                           records=result.records, message=str(exc))
    _clear_quarantine(zones, raw)
    status: Status = "replaced" if backup else ("unchanged" if replaced else "migrated")
    return FileOutcome(**base, status=status, zone="validated", records=result.records,
                       backup=backup, message="validated")


def _quarantine(zones: Zones, raw: RawFile, data: bytes, sha: str, validation: dict[str, Any],
                stamp: str, base: _Identity) -> FileOutcome:
    write_verified(zones.quarantine_path(raw.source, raw.name), data, sha)
    reason = {
        "file": raw.relpath,
        "sha256": sha,
        "arrival": raw.arrival,
        "quarantined_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **validation,
    }
    atomic_write_text(zones.reason_path(raw.source, raw.name), json.dumps(reason, indent=2))
    backup = None
    dest = zones.validated_path(raw.source, raw.name)
    if _same(dest, sha):  # reprocess: content once valid fails the current rules -> out of validated
        backup_file(zones, stamp, raw.source, raw.name)
        dest.unlink()
        backup = stamp
    first = validation["problems"][0] if validation["problems"] else {"message": "invalid"}
    return FileOutcome(**base, status="quarantined", zone="quarantine",
                       records=validation["records"], problems=validation["total_problems"],
                       backup=backup, message=f"{first.get('rule', '')}: {first['message']}"[:200])


def _clear_quarantine(zones: Zones, raw: RawFile) -> None:
    """A valid version supersedes an older quarantined one of the same name."""
    for path in (zones.quarantine_path(raw.source, raw.name), zones.reason_path(raw.source, raw.name)):
        path.unlink(missing_ok=True)
