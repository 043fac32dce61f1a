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
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
NOT_A_FILE, UNREADABLE = "not_a_regular_file", "unreadable"
# Problems a re-materialization cannot fix (it cannot write over a directory): left to an operator.
_NOT_REPAIRABLE = {NOT_A_FILE}
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


@dataclass
class _Verifier:
    """Checks one file against its cache entry, the recorded digest and the rules."""

    products: dict[str, ProductSpec]
    recorded: Recorded
    texture: TextureSpec | None
    now: float
    tally: dict[str, int] = field(default_factory=lambda: {"revalidated": 0, "reread": 0, "reused_checks": 0})

    def _content(self, digest: str, record: str | None, entry: dict[str, Any], changed: bool) -> str:
        """Why the content is wrong, or "": it differs from the recorded sha256, or (no record) it
        changed under an unchanged (size, mtime) since this sweep first verified it."""
        if record and digest != record:
            return (f"content differs from the sha256 recorded at materialization "
                    f"({digest[:12]}... != {record[:12]}...)")
        if not record and not changed and entry.get("sha256") and digest != entry["sha256"]:
            return (f"content changed since it was verified (sha256 {entry['sha256'][:12]}... -> "
                    f"{digest[:12]}...) while size and mtime stayed the same")
        return ""

    def verify(self, asset: str, path: Path, day: dt.date | None, entry: dict[str, Any],
               stamp: list[int], due: bool) -> dict[str, Any]:
        """The file's new cache entry (re-read only when new, changed, due in the rotation, or
        recorded with another digest than the one last seen)."""
        partition = day.isoformat() if day else ""
        changed = entry.get("stamp") != stamp or "failed_rules" not in entry or not entry.get("sha256")
        record = self.recorded.digests.get((asset, partition))
        if not (changed or due or (record and entry.get("sha256") != record)):
            return entry
        digest = sha256_file(path)
        self.tally["reread"] += 1
        content = self._content(digest, record, entry, changed)
        problems, reasons = ([CONTENT], [content]) if content else ([], [])
        if changed or content:
            if not content and record == digest and self.recorded.checks_passed(asset, partition):
                self.tally["reused_checks"] += 1  # byte-identical to what the checks passed
            else:
                rules, why = _rule_problems(path, asset, day, self.products, self.texture)
                self.tally["revalidated"] += 1
                problems += rules
                reasons += [why] if why else []
        else:  # a rotation re-read of an unchanged, intact file keeps its rule results
            problems += entry.get("failed_rules", [])
            reasons += [entry["reason"]] if entry.get("reason") else []
        return {"stamp": stamp, "sha256": entry.get("sha256") if content else digest, "verified": self.now,
                "failed_rules": problems, "reason": "; ".join(reasons)}


def _due(cache: dict[str, Any], stamps: dict[str, list[int]], reverify: int) -> set[str]:
    """The rotation: the ``reverify`` unchanged, already verified files verified longest ago."""
    unchanged = [rel for rel, stamp in stamps.items()
                 if cache.get(rel, {}).get("sha256") and cache[rel].get("stamp") == stamp]
    return set(sorted(unchanged, key=lambda rel: (cache[rel].get("verified", 0.0), rel))[:max(reverify, 0)])


def _files(data_root: Path, products: dict[str, ProductSpec]) -> list[tuple[str, Path, dt.date | None]]:
    found = [(name, path, day_from_name(path)) for name in products for path in product_files(data_root, name)]
    return found + [(TEXTURE, path, _texture_day(path)) for path in _texture_files(data_root)]


def _problem(rule: str, reason: str) -> dict[str, Any]:
    return {"failed_rules": [rule], "reason": reason}


def _oserror(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


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
    verifier = _Verifier(products, recorded, texture, time.time() if now is None else now)
    cache_path = data_root / "ocean" / "reports" / CACHE_NAME
    cache = _load_cache(cache_path)
    files, stamps, broken = [], {}, {}
    for asset, path, day in _files(data_root, products):
        rel = str(path.relative_to(data_root))
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while we looked: judged below as missing, if recorded
            continue
        except OSError as exc:  # one entry never stops the sweep
            broken[rel] = _problem(UNREADABLE, f"cannot stat: {_oserror(exc)}")
        else:
            if not stat.S_ISREG(st.st_mode):
                broken[rel] = _problem(NOT_A_FILE, f"not a regular file ({_kind(st.st_mode)} named like a "
                                                   f"{asset} file): remove or rename it")
            else:
                stamps[rel] = [st.st_size, st.st_mtime_ns]
        files.append((asset, path, day, rel))
    due = _due(cache, stamps, reverify)

    new_cache: dict[str, Any] = {}
    failing: list[dict[str, Any]] = []
    counts = {asset: {"files": 0, "failing": 0, "missing": 0} for asset in (*products, TEXTURE)}
    for asset, path, day, rel in files:
        if rel in broken:
            entry = broken[rel]
        else:
            try:
                entry = new_cache[rel] = verifier.verify(asset, path, day, dict(cache.get(rel) or {}),
                                                         stamps[rel], rel in due)
            except OSError as exc:  # unreadable (permissions, I/O error): reported, not cached
                entry = _problem(UNREADABLE, f"cannot read: {_oserror(exc)}")
            except Exception as exc:  # noqa: BLE001 - a reader's bug on one file never stops the sweep
                entry = _problem(UNREADABLE, f"cannot verify: {type(exc).__name__}: {exc}"[:300])
        counts[asset]["files"] += 1
        if entry["failed_rules"]:
            counts[asset]["failing"] += 1
            failing.append({"file": rel, "asset": asset, "partition": day.isoformat() if day else "",
                            "failed_rules": entry["failed_rules"], "reason": entry["reason"]})
    on_disk = {(asset, day.isoformat()) for asset, _, day, _ in files if day}
    for asset, partition in sorted(set(recorded.digests) - on_disk):
        counts.setdefault(asset, {"files": 0, "failing": 0, "missing": 0})["missing"] += 1
        failing.append({"file": str(expected_path(data_root, asset, partition).relative_to(data_root)),
                        "asset": asset, "partition": partition, "failed_rules": [MISSING],
                        "reason": f"{asset} {partition} is materialized but its file is missing"})
    atomic_write_text(cache_path, json.dumps(new_cache))
    repair = sorted({(f["asset"], f["partition"]) for f in failing
                     if f["partition"] and not _NOT_REPAIRABLE & set(f["failed_rules"])})
    return {
        "files_checked": sum(c["files"] for c in counts.values()),
        "files_revalidated": verifier.tally["revalidated"],
        "files_reread": verifier.tally["reread"],
        "checks_reused": verifier.tally["reused_checks"],
        "files_missing": sum(c["missing"] for c in counts.values()),
        "failing_files": failing,
        "repair": [list(pair) for pair in repair],
        "by_product": counts,
    }
