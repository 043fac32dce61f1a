"""Archiving superseded raw files: a year's raw files whose content was already migrated move to
``raw/_archive/{year}/{source}/``, and every move is logged in ``raw/_archive/ARCHIVE_LOG.jsonl``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from ocean_assets.core.io import atomic_write_text, sha256_bytes, sha256_file
from ocean_assets.core.names import inside
from ocean_assets.core.raw_zone.copying import copy_verified
from ocean_assets.core.raw_zone.inventory import RawFile, read_regular, scan_raw
from ocean_assets.core.raw_zone.zones import Zones


@dataclass
class ArchiveResult:
    year: int
    moved: list[dict[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # not yet migrated: left in the raw zone


def _migrated(zones: Zones, raw: RawFile, sha: str) -> bool:
    for path in (zones.validated_path(raw.source, raw.name),
                 zones.quarantine_path(raw.source, raw.name)):
        if path.exists() and sha256_file(path) == sha:
            return True
    return False


def archive_year(zones: Zones, year: int, dry_run: bool = False) -> ArchiveResult:
    result = ArchiveResult(year)
    for raw in scan_raw(zones):
        if not raw.arrival.startswith(f"{year:04d}-"):
            continue
        sha = sha256_bytes(read_regular(raw.path))
        if not _migrated(zones, raw, sha):
            result.kept.append(raw.relpath)
            continue
        target = inside(zones.archive, f"{year:04d}", raw.source, raw.name)
        if target.exists() and sha256_file(target) != sha:
            target = target.with_name(f"{raw.name}.{sha[:12]}")
        if not dry_run:
            copy_verified(raw.path, target, sha)
            raw.path.unlink()
        result.moved.append({"file": raw.relpath, "sha256": sha,
                             "to": str(target.relative_to(zones.data_root))})
    if result.moved and not dry_run:
        entry = {"archived_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "year": year, "files": result.moved, "kept_unmigrated": result.kept}
        log = zones.archive_log
        previous = log.read_text() if log.exists() else ""
        atomic_write_text(log, previous + json.dumps(entry, sort_keys=True) + "\n")
    return result
