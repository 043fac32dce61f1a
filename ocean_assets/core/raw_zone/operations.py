"""Operator actions on the zones: rollback to a backup, archive superseded raw files, status."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_assets.core.io import atomic_path, sha256_bytes, sha256_file
from ocean_assets.core.raw_zone.migrate import backup, backup_stamp, write_verified
from ocean_assets.core.raw_zone.zones import Zones, file_key, scan_raw

ARCHIVE_LOG = "ARCHIVE_LOG.jsonl"


def list_backups(zones: Zones) -> list[str]:
    return sorted(p.name for p in zones.backups.iterdir() if p.is_dir()) if zones.backups.exists() else []


@dataclass
class RollbackResult:
    restored: list[str]
    saved_as: str | None  # the backup taken of what was replaced, so a rollback can be undone


def rollback(zones: Zones, to: str, now: dt.datetime) -> RollbackResult:
    """Restore every file of backup ``to`` into validated, byte-identical (verified)."""
    source = zones.backups / to
    if not source.is_dir():
        available = ", ".join(list_backups(zones)) or "none"
        raise FileNotFoundError(f"no backup {to!r}; available: {available}")
    files = sorted(p for p in source.rglob("*") if p.is_file())
    stamp = backup_stamp(now)
    saved = False
    restored = []
    for path in files:
        key = path.relative_to(source).as_posix()
        if zones.validated_file(key).exists():
            backup(zones, key, stamp)
            saved = True
        data = path.read_bytes()
        write_verified(zones.validated_file(key), data, sha256_bytes(data))
        restored.append(key)
    return RollbackResult(restored, stamp if saved else None)


def _processed(zones: Zones, key: str, sha: str) -> bool:
    for done in (zones.validated_file(key), zones.quarantine_file(key)):
        if done.exists() and sha256_file(done) == sha:
            return True
    return False


def archive_year(zones: Zones, year: int, patterns: list[str], now: dt.datetime) -> dict[str, Any]:
    """Move raw files last modified in ``year`` that were migrated (or quarantined) to the archive."""
    moved, skipped = [], []
    for path in scan_raw(zones, patterns):
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        if mtime.year != year:
            continue
        key = file_key(zones, path)
        sha = sha256_file(path)
        if not _processed(zones, key, sha):
            skipped.append(key)
            continue
        target = zones.archive / str(year) / key
        with atomic_path(target) as tmp:
            shutil.copy2(path, tmp)
        path.unlink()
        moved.append({"key": key, "sha256": sha, "to": str(target.relative_to(zones.data_root))})
    entry = {"at": now.astimezone(dt.UTC).isoformat(), "year": year, "moved": moved, "not_migrated": skipped}
    zones.archive.mkdir(parents=True, exist_ok=True)
    with (zones.archive / ARCHIVE_LOG).open("a") as log:
        log.write(json.dumps(entry) + "\n")
    return entry


def _du(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()] if path.exists() else []
    return len(files), sum(p.stat().st_size for p in files)


def status(zones: Zones) -> dict[str, Any]:
    zone_dirs = {"raw": zones.raw, "validated": zones.validated, "quarantine": zones.quarantine,
                 "backups": zones.backups, "archive": zones.archive}
    out: dict[str, Any] = {}
    for name, path in zone_dirs.items():
        count, size = _du(path)
        out[name] = {"files": count, "bytes": size}
    out["quarantine"]["files"] = len(list(zones.quarantine.rglob("*.reason.json"))) if zones.quarantine.exists() else 0
    out["quarantine_reasons"] = [
        json.loads(p.read_text()) | {"errors": None}
        for p in sorted(zones.quarantine.rglob("*.reason.json"))[:20]] if zones.quarantine.exists() else []
    out["backups_available"] = list_backups(zones)
    usage = shutil.disk_usage(zones.data_root if zones.data_root.exists() else Path("."))
    out["disk_free_fraction"] = round(usage.free / usage.total, 4)
    return out
