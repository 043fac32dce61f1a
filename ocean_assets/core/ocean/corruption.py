"""Corruption sweep over every ocean file (the reference's comprehensive_corruption_check):
NetCDF products and SST textures.

Three things can go wrong after a file was written, and the sweep finds each:
- it is **missing**: a partition the instance says is materialized has no file;
- its **content changed** (bit rot, a stray write) even when size and mtime did not: its sha256
  no longer equals the one recorded at materialization (or, when none was recorded, the one this
  sweep saw when it first verified the file);
- it **breaks the rules** (integrity, schema, coordinates, time, units; a readable texture).

Cost stays bounded: a cache keyed by (size, mtime_ns) remembers each file's digest and rule
results. New or changed files are read once; a file whose sha256 equals the recorded one and whose
checks passed at materialization is not validated again. On top, the ``reverify`` files verified
longest ago are re-read in full each sweep (a rotation through the whole archive), which is what
finds bit rot. The caller passes what the instance recorded as plain mappings (no Dagster here).
The cache is rewritten atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_assets.core.io import atomic_write_text, sha256_file
from ocean_assets.core.ocean.paths import product_files, product_path, texture_path
from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.ocean.texture import TextureSpec, texture_outcomes
from ocean_assets.core.ocean.validate import day_from_name, validate_file

CACHE_NAME = ".corruption_cache.json"
TEXTURE = "sst_texture"
# Rules whose failure means the file is corrupt or unusable (soft rules are reported, not counted).
HARD_RULES = ("integrity", "schema", "coordinates", "time", "units")
MISSING, CONTENT = "missing", "sha256"
_TEXTURE_DAY = re.compile(r"^sst_texture_(\d{8})\.png$")

Pair = tuple[str, str]  # (asset, partition key)


@dataclass(frozen=True)
class Recorded:
    """What the instance says about the materialized partitions: the sha256 recorded at the latest
    materialization (None when that materialization recorded no per-day digest)."""

    digests: Mapping[Pair, str | None]
    # (asset, partition) -> did every hard check pass on that latest materialization? Asked only
    # for files read this sweep whose digest equals the recorded one.
    checks_passed: Callable[[str, str], bool] = lambda asset, partition: False


def _load_cache(path: Path) -> dict[str, Any]:
    try:
        cache = json.loads(path.read_text())
        return cache if isinstance(cache, dict) else {}
    except (OSError, ValueError):
        return {}


def _texture_files(data_root: Path) -> list[Path]:
    base = Path(data_root) / "ocean" / "textures"
    return sorted(p for p in base.glob("*/sst_texture_*.png") if _TEXTURE_DAY.match(p.name)) if base.exists() else []


def _texture_day(path: Path) -> dt.date | None:
    m = _TEXTURE_DAY.match(path.name)
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d").date() if m else None
    except ValueError:
        return None


def expected_path(data_root: Path, asset: str, partition: str) -> Path:
    return texture_path(data_root, partition) if asset == TEXTURE else product_path(data_root, asset, partition)


def _rule_problems(path: Path, asset: str, day: dt.date | None, products: dict[str, ProductSpec],
                   texture: TextureSpec | None) -> tuple[list[str], str]:
    if asset == TEXTURE:
        if texture is None:
            return [], ""
        outcome = texture_outcomes(path, texture, 0.0)["texture_file"]
        return ([], "") if outcome.passed else (["texture_file"], outcome.message)
    outcomes = validate_file(path, products[asset], day)
    bad = [o for o in outcomes if not o.passed and (o.rule in HARD_RULES or o.severity == "ERROR")]
    return [o.rule for o in bad], "; ".join(o.message for o in bad)


def sweep(data_root: Path, products: dict[str, ProductSpec], recorded: Recorded | None = None,
          reverify: int = 0, texture: TextureSpec | None = None, now: float | None = None) -> dict[str, Any]:
    """Verify every product file and texture under ``data_root``; a report of counts, failing and
    missing files, and the (asset, partition) pairs to re-materialize (``repair``).

    ``recorded``: what the instance recorded (see ``Recorded``); without it, missing files cannot be
    known and content is compared with the digest seen at first verification. ``reverify``: how many
    unchanged files, longest unverified first, are re-read in full this sweep.
    """
    data_root = Path(data_root)
    recorded = recorded or Recorded({})
    now = time.time() if now is None else now
    cache_path = data_root / "ocean" / "reports" / CACHE_NAME
    cache = _load_cache(cache_path)
    new_cache: dict[str, Any] = {}
    failing: list[dict[str, Any]] = []
    counts = {asset: {"files": 0, "failing": 0, "missing": 0} for asset in (*products, TEXTURE)}
    tally = {"revalidated": 0, "reread": 0, "reused_checks": 0}

    files: list[tuple[str, Path, dt.date | None]] = [
        (name, path, day_from_name(path)) for name in products for path in product_files(data_root, name)]
    files += [(TEXTURE, path, _texture_day(path)) for path in _texture_files(data_root)]
    stamps: dict[Path, list[int]] = {}
    for _, path, _ in files:
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while we looked: judged below as missing, if recorded
            continue
        stamps[path] = [st.st_size, st.st_mtime_ns]
    # the rotation: unchanged files with a verified digest, longest unverified first
    unchanged = [rel for rel in (str(p.relative_to(data_root)) for p in stamps)
                 if rel in cache and cache[rel].get("sha256")]
    unchanged = [rel for rel in unchanged if cache[rel].get("stamp") == stamps[data_root / rel]]
    due = set(sorted(unchanged, key=lambda rel: (cache[rel].get("verified", 0.0), rel))[:max(reverify, 0)])

    for asset, path, day in files:
        if path not in stamps:
            continue
        rel = str(path.relative_to(data_root))
        partition = day.isoformat() if day else ""
        entry = dict(cache.get(rel) or {})
        changed = entry.get("stamp") != stamps[path] or "failed_rules" not in entry or not entry.get("sha256")
        record = recorded.digests.get((asset, partition))
        if changed or rel in due or (record and entry.get("sha256") != record):
            digest = sha256_file(path)
            tally["reread"] += 1
            problems: list[str] = []
            reasons: list[str] = []
            if record and digest != record:
                problems.append(CONTENT)
                reasons.append(f"content differs from the sha256 recorded at materialization "
                               f"({digest[:12]}... != {record[:12]}...)")
            elif not record and not changed and entry.get("sha256") and digest != entry["sha256"]:
                problems.append(CONTENT)
                reasons.append(f"content changed since it was verified (sha256 {entry['sha256'][:12]}... -> "
                               f"{digest[:12]}...) while size and mtime stayed the same")
            if changed or problems:
                if not problems and record and digest == record and recorded.checks_passed(asset, partition):
                    rules, why = [], ""  # byte-identical to what the checks passed: reuse their verdict
                    tally["reused_checks"] += 1
                else:
                    rules, why = _rule_problems(path, asset, day, products, texture)
                    tally["revalidated"] += 1
                problems += rules
                reasons += [why] if why else []
            else:  # a rotation re-read of an unchanged, intact file keeps its rule results
                problems += entry.get("failed_rules", [])
                reasons += [entry["reason"]] if entry.get("reason") else []
            entry = {"stamp": stamps[path], "sha256": digest if CONTENT not in problems else entry.get("sha256"),
                     "verified": now, "failed_rules": problems, "reason": "; ".join(reasons)}
        new_cache[rel] = entry
        c = counts[asset]
        c["files"] += 1
        if entry["failed_rules"]:
            c["failing"] += 1
            failing.append({"file": rel, "asset": asset, "partition": partition,
                            "failed_rules": entry["failed_rules"], "reason": entry["reason"]})

    on_disk = {(asset, day.isoformat()) for asset, path, day in files if day and path in stamps}
    for asset, partition in sorted(set(recorded.digests) - on_disk):
        path = expected_path(data_root, asset, partition)
        counts.setdefault(asset, {"files": 0, "failing": 0, "missing": 0})["missing"] += 1  # any asset
        failing.append({"file": str(path.relative_to(data_root)), "asset": asset, "partition": partition,
                        "failed_rules": [MISSING],
                        "reason": f"{asset} {partition} is materialized but its file is missing"})
    atomic_write_text(cache_path, json.dumps(new_cache))
    repair = sorted({(f["asset"], f["partition"]) for f in failing if f["partition"]})
    return {
        "files_checked": sum(c["files"] for c in counts.values()),
        "files_revalidated": tally["revalidated"],
        "files_reread": tally["reread"],
        "checks_reused": tally["reused_checks"],
        "files_missing": sum(c["missing"] for c in counts.values()),
        "failing_files": failing,
        "repair": [list(pair) for pair in repair],
        "by_product": counts,
    }
