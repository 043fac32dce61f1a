"""A summary of the zones: counts per source, quarantine reasons, backups, disk use."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ocean_assets.core.raw_zone.backups import list_backups
from ocean_assets.core.raw_zone.preflight import free_fraction
from ocean_assets.core.raw_zone.zones import REASON_SUFFIX, Zones


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")] \
        if root.is_dir() else []


def _per_source(root: Path, skip_reasons: bool = False) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in _files(root):
        if skip_reasons and path.name.endswith(REASON_SUFFIX):
            continue
        counts[path.relative_to(root).parts[0]] += 1
    return counts


def zone_status(zones: Zones) -> dict[str, Any]:
    raw = {k: v for k, v in _per_source(zones.raw).items() if not k.startswith("_")}
    reasons: Counter[str] = Counter()
    failures = []
    for path in _files(zones.quarantine):
        if path.name.endswith(REASON_SUFFIX):
            try:
                reason = json.loads(path.read_text())
            except ValueError:
                reasons["unreadable reason"] += 1
                continue
            problems = reason.get("problems") or [{}]
            reasons.update({p.get("rule", "?") for p in problems})
            failures.append({"file": reason.get("file"), "first_problem": problems[0].get("message")})
    disk = {name: sum(p.stat().st_size for p in _files(root))
            for name, root in (("raw", zones.raw), ("validated", zones.validated),
                               ("quarantine", zones.quarantine), ("backups", zones.backups),
                               ("archive", zones.archive))}
    backups = list_backups(zones)
    return {
        "sources": sorted(set(raw) | set(_per_source(zones.validated))
                          | set(_per_source(zones.quarantine))),
        "raw": raw,
        "validated": dict(_per_source(zones.validated)),
        "quarantine": dict(_per_source(zones.quarantine, skip_reasons=True)),
        "quarantine_rules": dict(reasons),
        "failures": failures[:20],
        "backups": {"count": len(backups), "latest": backups[-1] if backups else None},
        "archived_files": len([p for p in _files(zones.archive) if p != zones.archive_log]),
        "disk_bytes": disk,
        "free_fraction": round(free_fraction(zones.data_root), 4),
    }
