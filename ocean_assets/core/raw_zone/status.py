"""A summary of the zones: counts per source, quarantine reasons, backups, disk use."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ocean_assets.core.raw_zone.backups import list_backups
from ocean_assets.core.raw_zone.inventory import walk_raw
from ocean_assets.core.raw_zone.lock import is_held, recorded_holder
from ocean_assets.core.raw_zone.preflight import PreflightError, free_fraction
from ocean_assets.core.raw_zone.zones import REASON_SUFFIX, Zones


def _files(root: Path) -> list[Path]:
    """Regular files below ``root`` (hidden ones excluded), links never followed."""
    return [p for p in root.rglob("*") if not p.is_symlink() and p.is_file()
            and not p.name.startswith(".")] if root.is_dir() else []


def _per_source(root: Path, skip_reasons: bool = False) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in _files(root):
        if skip_reasons and path.name.endswith(REASON_SUFFIX):
            continue
        counts[path.relative_to(root).parts[0]] += 1
    return counts


def _lock(zones: Zones) -> dict[str, Any]:
    holder = recorded_holder(zones)
    try:
        held = is_held(zones)
    except PreflightError as exc:  # e.g. the lock file was replaced by a link
        return {"held": None, "holder": str(exc), "holder_died": False}
    return {"held": held, "holder": holder.describe() if holder else None,
            "holder_died": bool(holder) and not held}


def zone_status(zones: Zones) -> dict[str, Any]:
    entries = walk_raw(zones)
    raw = dict(Counter(e.relpath.split("/")[0] for e in entries if e.rule is None))
    ignored = dict(Counter(e.rule for e in entries if e.rule))
    reasons: Counter[str] = Counter()
    failures = []
    for path in _files(zones.quarantine):
        if path.name.endswith(REASON_SUFFIX):
            try:
                reason = json.loads(path.read_text())
            except ValueError:
                reason = None
            if not isinstance(reason, dict):
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
        "ignored": ignored,
        "validated": dict(_per_source(zones.validated)),
        "quarantine": dict(_per_source(zones.quarantine, skip_reasons=True)),
        "quarantine_rules": dict(reasons),
        "failures": failures[:20],
        "backups": {"count": len(backups), "latest": backups[-1] if backups else None},
        "archived_files": len([p for p in _files(zones.archive) if p != zones.archive_log]),
        "disk_bytes": disk,
        "free_fraction": round(free_fraction(zones.data_root), 4),
        "lock": _lock(zones),
    }
