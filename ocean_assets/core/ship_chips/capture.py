"""The AIS capture store: raw aisstream frames kept per predicted overpass window.

aisstream has no history, so AIS for an overpass must be collected while the satellite passes:
short capture runs during the predicted windows write here, and chipping (days later, after the
L2A lag) reads what was captured. A capture is ``{tile}_{HHMMSS}.jsonl`` (one raw frame per line)
plus a ``.meta.json`` sidecar written last; a capture without its sidecar is incomplete and ignored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ocean_assets.core.io import atomic_path, atomic_write_text
from ocean_assets.core.ship_chips import layout

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class CaptureWindow:
    """A predicted pass over a tile (``pass_start``..``pass_end``) padded to the capture window."""

    tile: str
    start: dt.datetime
    end: dt.datetime
    pass_start: dt.datetime
    pass_end: dt.datetime

    @property
    def key(self) -> str:
        return f"{self.tile}-{self.pass_start:%Y%m%dT%H%M%S}"

    def describe(self) -> str:
        return f"{self.tile} {self.pass_start:%Y-%m-%d %H:%M:%S}Z..{self.pass_end:%H:%M:%S}Z"


def _utc(value: Any) -> dt.datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def capture_windows(schedule: pd.DataFrame, pad: dt.timedelta) -> list[CaptureWindow]:
    """One window per scheduled pass (tile, start, end), padded by ``pad`` on both sides."""
    out = []
    for row in schedule.itertuples():
        start, end = _utc(row.start), _utc(row.end)
        out.append(CaptureWindow(layout.safe_name(row.tile, "tile"), start - pad, end + pad, start, end))
    return sorted(out, key=lambda w: (w.start, w.tile))


def due_windows(windows: Iterable[CaptureWindow], now: dt.datetime, lead: dt.timedelta) -> list[CaptureWindow]:
    """Windows a capture run should be running for now: from ``lead`` before the start to the end."""
    return [w for w in windows if w.start - lead <= now < w.end]


@dataclass(frozen=True)
class CaptureMeta:
    tile: str
    window_start: str
    window_end: str
    pass_start: str
    pass_end: str
    captured_from: str
    captured_to: str
    frames: int
    malformed: int
    reconnects: int
    source: str  # aisstream | demo

    def covers(self, window: CaptureWindow) -> bool:
        """The capture overlaps the predicted pass itself (not only its padding)."""
        return (self.tile == window.tile and _utc(self.captured_from) <= window.pass_end
                and _utc(self.captured_to) >= window.pass_start)


def write_capture(root: Path, window: CaptureWindow, frames: list[str], *, captured_from: dt.datetime,
                  captured_to: dt.datetime, malformed: int = 0, reconnects: int = 0,
                  source: str = "aisstream") -> Path:
    """Frames first, then the sidecar: a crash in between leaves an ignored, incomplete capture."""
    path = layout.capture_path(root, window.tile, window.start)
    with atomic_path(path) as tmp:
        tmp.write_text("".join(f"{f.strip()}\n" for f in frames if f.strip()))
    meta = CaptureMeta(window.tile, window.start.isoformat(), window.end.isoformat(),
                       window.pass_start.isoformat(), window.pass_end.isoformat(), captured_from.isoformat(),
                       captured_to.isoformat(), len(frames), malformed, reconnects, source)
    atomic_write_text(path.with_name(path.stem + META_SUFFIX), json.dumps(asdict(meta), indent=1))
    return path


def read_captures(root: Path, days: Iterable[str], tile: str) -> list[tuple[CaptureMeta, Path]]:
    """Complete captures of ``tile`` stored under the given days (oldest first)."""
    out = []
    for day in sorted(set(days)):
        folder = layout.capture_dir(root, day)
        for meta_path in sorted(folder.glob(f"{layout.safe_name(tile, 'tile')}_*{META_SUFFIX}")):
            frames = meta_path.with_name(meta_path.name.removesuffix(META_SUFFIX) + ".jsonl")
            try:
                meta = CaptureMeta(**json.loads(meta_path.read_text()))
            except (ValueError, TypeError):
                continue  # a sidecar that does not parse marks no complete capture
            if frames.exists():
                out.append((meta, frames))
    return out


def frames_of(paths: Iterable[Path]) -> Iterator[str]:
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as fh:
            yield from (line for line in fh if line.strip())
