"""Backups of validated files before they are replaced, and rollback to a backup.

A backup set is ``_backups/{stamp}/{source}/{name}`` plus ``MANIFEST.json`` ({relpath: sha256}).
One migration run uses one stamp, so ``rollback --to STAMP`` restores the state before that run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ocean_assets.core.io import atomic_write_text, sha256_file
from ocean_assets.core.names import UnsafeName, inside
from ocean_assets.core.raw_zone.copying import ChecksumMismatch, copy_verified
from ocean_assets.core.raw_zone.zones import Zones

MANIFEST = "MANIFEST.json"
STAMP = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")


class BackupError(ValueError):
    """A backup set is missing or damaged; the message says which and what exists."""


def new_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S.%fZ")


def read_manifest(backup_dir: Path) -> dict[str, str]:
    path = backup_dir / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def backup_file(zones: Zones, stamp: str, source: str, name: str) -> Path:
    """Copy the validated ``source/name`` into backup set ``stamp`` (verified) and record it."""
    current = zones.validated_path(source, name)
    backup_dir = inside(zones.backups, stamp)
    target = inside(backup_dir, source, name)
    sha = copy_verified(current, target)
    manifest = read_manifest(backup_dir)
    manifest[f"{source}/{name}"] = sha
    atomic_write_text(backup_dir / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    return target


def list_backups(zones: Zones) -> list[str]:
    if not zones.backups.is_dir():
        return []
    return sorted(p.name for p in zones.backups.iterdir()
                  if p.is_dir() and STAMP.match(p.name) and (p / MANIFEST).exists())


@dataclass(frozen=True)
class Restored:
    relpath: str
    sha256: str
    safety_backup: str | None  # where the replaced file went, if there was a different one


def rollback(zones: Zones, stamp: str) -> list[Restored]:
    """Restore every file of backup set ``stamp`` into the validated zone, byte for byte.

    The backup is verified first (all or nothing); files it would overwrite are themselves backed
    up under a fresh stamp, so a rollback can be undone with another rollback.
    """
    available = list_backups(zones)
    if stamp not in available:
        shown = ", ".join(available[-5:]) or "none"
        raise BackupError(f"no backup {stamp!r}; latest backups: {shown}")
    backup_dir = zones.backups / stamp
    try:
        manifest = read_manifest(backup_dir)
    except ValueError as exc:
        raise BackupError(f"backup {stamp} is damaged: {MANIFEST} is not JSON ({exc}); "
                          "nothing was restored") from None
    if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
        raise BackupError(f"backup {stamp} is damaged: {MANIFEST} is not a {{file: sha256}} "
                          "object; nothing was restored")
    targets = {}
    for relpath, sha in manifest.items():
        try:  # the manifest is a file on disk: its names are checked like any outside name
            source, _, name = relpath.partition("/")
            targets[relpath] = (inside(backup_dir, relpath), zones.validated_path(source, name))
        except UnsafeName as exc:
            raise BackupError(f"backup {stamp} is damaged: {exc}; nothing was restored") from None
        path = targets[relpath][0]
        if not path.is_file() or sha256_file(path) != sha:
            raise BackupError(f"backup {stamp} is damaged: {relpath} is missing or its sha256 "
                              f"differs from the manifest; nothing was restored")
    safety = new_stamp()
    restored = []
    for relpath, sha in sorted(manifest.items()):
        source, _, name = relpath.partition("/")
        current = targets[relpath][1]
        moved = None
        if current.exists() and sha256_file(current) != sha:
            backup_file(zones, safety, source, name)
            moved = safety
        try:
            copy_verified(targets[relpath][0], current, sha)
        except ChecksumMismatch as exc:
            raise BackupError(f"restoring {relpath}: {exc}") from exc
        restored.append(Restored(relpath, sha, moved))
    return restored
