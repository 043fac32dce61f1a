"""The zones under the data root. Every path built from a source or file name goes through
``ocean_assets.core.names`` (strict pattern, stays inside its zone, no links followed).

raw/funding_sources/{source}/{YYYY-MM-DD}_{name}.{json,csv}   immutable inputs
transformed/validated/{source}/                               validated copies
transformed/quarantine/{source}/ (+ {name}.reason.json)      rejected copies with the reason
transformed/_reports/{YYYY-MM-DD}.json                       one migration report per day
_backups/{timestamp}/{source}/                                validated files before replacement
raw/_archive/{year}/{source}/ + raw/_archive/ARCHIVE_LOG.jsonl
raw/.raw_zone.lock                                           the migration lock and its holder
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ocean_assets.core.names import check, inside

DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})_")
REASON_SUFFIX = ".reason.json"


@dataclass(frozen=True)
class Zones:
    data_root: Path

    def __post_init__(self) -> None:  # resolved once, so zone paths compare with what inside() returns
        object.__setattr__(self, "data_root", Path(self.data_root).resolve())

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

    @property
    def lock_path(self) -> Path:
        return self.data_root / "raw" / ".raw_zone.lock"

    @property
    def record_ids_path(self) -> Path:
        return self.data_root / "transformed" / ".record_ids.json"

    def validated_path(self, source: str, name: str) -> Path:
        return inside(self.validated, check("source_id", source), check("file_name", name))

    def quarantine_path(self, source: str, name: str) -> Path:
        return inside(self.quarantine, check("source_id", source), check("file_name", name))

    def reason_path(self, source: str, name: str) -> Path:
        return inside(self.quarantine, check("source_id", source),
                      check("file_name", name) + REASON_SUFFIX)

    def report_path(self, day: str) -> Path:
        return inside(self.reports, check("day", day) + ".json")


def day_of_name(name: str) -> str | None:
    """The ``YYYY-MM-DD_`` prefix of a file name, if it is a real date."""
    match = DATE_PREFIX.match(name)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            pass
    return None


def utc_day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()


def arrival_date(path: Path) -> str:
    """The day a raw file belongs to: its ``YYYY-MM-DD_`` name prefix, else its mtime (UTC).
    A link's own mtime: links are never followed."""
    return day_of_name(path.name) or utc_day(path.lstat().st_mtime)
