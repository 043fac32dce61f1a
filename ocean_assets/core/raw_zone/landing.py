"""Landing the day's delivered files in the raw zone. Source and file names come from outside
(the drop box's listing): they are checked before they become paths, and a listing with names
that differ only by case is refused (they would overwrite each other on some file systems)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ocean_assets.core.io import atomic_write_bytes, sha256_bytes
from ocean_assets.core.names import UnsafeName, case_collisions, check, inside, shown
from ocean_assets.core.raw_zone.inventory import read_regular
from ocean_assets.core.raw_zone.zones import REASON_SUFFIX, Zones


class Delivered(Protocol):
    source: str
    name: str
    data: bytes


@dataclass
class Landed:
    sha256_by_file: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)  # landed | new_version | already_present
    bytes: int = 0


def checked_names(source: object, name: object) -> tuple[str, str]:
    """A delivered file's source and name, or ``UnsafeName`` (one line) when either is hostile."""
    source = check("source_id", source, "source")
    name = check("file_name", name, "file name")
    if name.endswith(REASON_SUFFIX):
        raise UnsafeName(f"refused file name {shown(name)}: names ending in {REASON_SUFFIX!r} "
                         "are reserved for quarantine reasons")
    return source, name


def checked_path(zones: Zones, source: object, name: object) -> Path:
    """Where a delivered file lands: ``raw/funding_sources/{source}/{name}``, names checked."""
    return inside(zones.raw, *checked_names(source, name))


def land_files(zones: Zones, files: Iterable[Delivered], into: Landed | None = None) -> Landed:
    """Write each file (atomically) unless the same bytes are already there. Every name is
    checked first, so a hostile listing writes nothing at all."""
    files = list(files)
    paths = [checked_path(zones, f.source, f.name) for f in files]
    if collisions := case_collisions(f"{f.source}/{f.name}" for f in files):
        raise UnsafeName("refused listing: names differ only by case: "
                         + ", ".join(map(shown, collisions[0])))
    landed = into or Landed()
    for f, path in zip(files, paths, strict=True):
        sha = sha256_bytes(f.data)
        present = path.exists()
        if present and sha256_bytes(read_regular(path)) == sha:
            landed.counts["already_present"] += 1
        else:  # a new file, or a new version delivered under the same name
            landed.counts["new_version" if present else "landed"] += 1
            atomic_write_bytes(path, f.data)
        landed.sha256_by_file[f"{f.source}/{f.name}"] = sha
        landed.bytes += len(f.data)
    return landed
