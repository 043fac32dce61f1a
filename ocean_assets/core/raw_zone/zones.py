"""The zones under the data root and the raw files waiting in them.

raw/funding_sources/{source}/{YYYY-MM-DD}_{name}.{json,csv}   immutable inputs
transformed/validated/{source}/                               validated copies
transformed/quarantine/{source}/ (+ {name}.reason.json)      rejected copies with the reason
transformed/_reports/{YYYY-MM-DD}.json                       one migration report per day
_backups/{timestamp}/{source}/                                validated files before replacement
raw/_archive/{year}/{source}/ + raw/_archive/ARCHIVE_LOG.jsonl
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})_")
REASON_SUFFIX = ".reason.json"


@dataclass(frozen=True)
class Zones:
    data_root: Path

    @property
    def raw(self) -> Path:
        return self.data_root / "raw" / "funding_sources"

    @property
    def validated(self) -> Path:
        return self.data_root / "transformed" / "validated"

    @property
    def quarantine(self) -> Path:
        return self.data_root / "transformed" / "quarantine"

    @property
    def reports(self) -> Path:
        return self.data_root / "transformed" / "_reports"

    @property
    def backups(self) -> Path:
        return self.data_root / "_backups"

    @property
    def archive(self) -> Path:
        return self.data_root / "raw" / "_archive"

    @property
    def archive_log(self) -> Path:
        return self.archive / "ARCHIVE_LOG.jsonl"

    def validated_path(self, source: str, name: str) -> Path:
        return self.validated / source / name

    def quarantine_path(self, source: str, name: str) -> Path:
        return self.quarantine / source / name

    def reason_path(self, source: str, name: str) -> Path:
        return self.quarantine / source / f"{name}{REASON_SUFFIX}"

    def report_path(self, day: str) -> Path:
        return self.reports / f"{day}.json"


@dataclass(frozen=True)
class RawFile:
    source: str
    name: str
    path: Path
    arrival: str  # YYYY-MM-DD: the date prefix of the name, else the file's mtime (UTC)

    @property
    def relpath(self) -> str:
        return f"{self.source}/{self.name}"


def arrival_date(path: Path) -> str:
    """The day a raw file belongs to: its ``YYYY-MM-DD_`` name prefix, else its mtime (UTC)."""
    match = DATE_PREFIX.match(path.name)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()


def _visible(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".")


def scan_raw(zones: Zones, days: set[str] | None = None, sources: set[str] | None = None,
             ) -> list[RawFile]:
    """Raw files (hidden and temporary files excluded), sorted by source and name."""
    found: list[RawFile] = []
    if not zones.raw.is_dir():
        return found
    for source_dir in sorted(p for p in zones.raw.iterdir() if p.is_dir()):
        if source_dir.name.startswith(("_", ".")) or (sources and source_dir.name not in sources):
            continue
        for path in sorted(filter(_visible, source_dir.iterdir())):
            day = arrival_date(path)
            if days is None or day in days:
                found.append(RawFile(source_dir.name, path.name, path, day))
    return found
