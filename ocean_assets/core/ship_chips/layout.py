"""Where each output of the domain lives under the dataset root (paths from the runbook), and the
checks every name from outside (STAC ids, MMSIs, tiles, plan files) passes before it joins a path.

TODO(names): switch ``safe_name`` / ``inside`` to the shared ``ocean_assets.core.names`` once it is
on main; this is a minimal local check with the same intent (strict pattern, resolved path stays in
its zone, symlinks are not followed out of it).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

# Strict patterns for names that become parts of paths. STAC ids as Earth Search writes them
# (S2A_31UFU_20230701_0_L2A); MGRS tiles (31UFU); AIS MMSIs of vessels (9 digits, ITU-R M.585);
# plan / TLE file names (one component, no dot segments).
PATTERNS: dict[str, re.Pattern[str]] = {
    "stac_id": re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"),
    "tile": re.compile(r"[0-9]{2}[C-HJ-NP-X][A-HJ-NP-Z]{2}"),
    "mmsi": re.compile(r"[1-9][0-9]{8}"),
    "plan_file": re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.(kml|KML|csv|CSV|tle|TLE|txt)"),
}


class UnsafeName(ValueError):
    """A name from outside does not match its pattern, or its path would leave its zone."""


def safe_name(value: object, kind: str) -> str:
    """``value`` as a string if it fully matches the pattern of ``kind``; UnsafeName otherwise."""
    text = str(value)
    if not PATTERNS[kind].fullmatch(text) or ".." in text:
        raise UnsafeName(f"{kind} {text[:80]!r} is not a safe name (pattern {PATTERNS[kind].pattern})")
    return text


def inside(zone: Path, path: Path) -> Path:
    """``zone / path`` if it stays inside ``zone`` once resolved (symlinks followed, dot segments
    collapsed); UnsafeName otherwise."""
    joined = path if path.is_absolute() else zone / path
    if not joined.resolve().is_relative_to(zone.resolve()):
        raise UnsafeName(f"{path} resolves outside {zone}")
    return joined


def compact(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%Y%m%d")


def schedule_path(root: Path, day: str) -> Path:
    return root / "plan" / f"overpass_schedule_{compact(day)}.csv"


def ais_dir(root: Path, day: str) -> Path:
    """Parsed AIS of the day: ``{tile}.parquet`` (position reports), ``static/{tile}.parquet``."""
    return root / "ais" / compact(day)


def ais_path(root: Path, day: str, tile: str) -> Path:
    return ais_dir(root, day) / f"{safe_name(tile, 'tile')}.parquet"


def static_path(root: Path, day: str, tile: str) -> Path:
    return ais_dir(root, day) / "static" / f"{safe_name(tile, 'tile')}.parquet"


def ais_status_path(root: Path, day: str) -> Path:
    """Why a day has no (or incomplete) AIS: windows without a capture, written by ais_snapshots."""
    return ais_dir(root, day) / "capture_status.json"


def capture_dir(root: Path, day: str) -> Path:
    """Raw aisstream frames captured during the predicted windows of ``day`` (the capture store)."""
    return root / "ais_capture" / compact(day)


def capture_path(root: Path, tile: str, start: dt.datetime) -> Path:
    """``{tile}_{HHMMSS}.jsonl`` (one raw frame per line) for the window starting at ``start``;
    its ``.meta.json`` sidecar marks the capture as complete."""
    day = start.astimezone(dt.UTC).date().isoformat()
    return capture_dir(root, day) / f"{safe_name(tile, 'tile')}_{start.astimezone(dt.UTC):%H%M%S}.jsonl"


def scenes_path(root: Path, day: str) -> Path:
    return root / "scenes" / f"items_{compact(day)}.json"


def records_path(root: Path, day: str) -> Path:
    """Every observation of the day with its gate result or failure (kept, rejected, failed)."""
    return root / "records" / f"chips_{compact(day)}.parquet"


def manifest_path(root: Path) -> Path:
    return root / "manifests" / "dataset_manifest.json"


def qa_path(root: Path, day: str) -> Path:
    return root / "QA" / "reports" / f"{dt.date.fromisoformat(day).isoformat()}.html"
