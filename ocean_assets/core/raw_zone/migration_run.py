"""One migration run: the raw zone is walked once, then each day is migrated on its own.

A day's report (``transformed/_reports/{day}.json``) lists every file taken (sha256, outcome),
every entry ignored with the rule that ignored it, and record ids found in other validated files
too. The checks compare it with their own walk of the zone (``audit.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.raw_zone.backups import new_stamp
from ocean_assets.core.raw_zone.inventory import Entry, Partitions, walk_raw
from ocean_assets.core.raw_zone.migrate import FAILED, FileOutcome, migrate_file
from ocean_assets.core.raw_zone.record_ids import MAX_LISTED, RecordIds
from ocean_assets.core.raw_zone.zones import Zones


@dataclass
class DayResult:
    day: str
    outcomes: list[FileOutcome]
    ignored: list[dict[str, str]]
    duplicate_ids: list[dict[str, Any]]
    report: Path | None  # None when a file failed: the day is not done

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status in FAILED]


class MigrationRun:
    """``force`` re-validates content already migrated (rules changed), only for
    ``force_sources`` when given."""

    def __init__(self, zones: Zones, schema: dict[str, Any], partitions: Partitions | None,
                 force: bool = False, force_sources: Collection[str] = ()) -> None:
        self.zones, self.schema = zones, schema
        self.stamp = new_stamp()
        self.force, self.force_sources = force, set(force_sources)
        self.walked_at = time.time()
        self.entries: list[Entry] = walk_raw(zones, partitions)
        self.record_ids = RecordIds(zones)

    def _forced(self, source: str) -> bool:
        return self.force and (not self.force_sources or source in self.force_sources)

    def migrate_day(self, day: str) -> DayResult:
        mine = [e for e in self.entries if e.day == day]
        outcomes = [migrate_file(self.zones, raw, self.schema, self.stamp,
                                 force=self._forced(raw.source))
                    for raw in (e.raw_file() for e in mine if e.rule is None)]
        ignored = [e.ignored() for e in mine if e.rule]
        self.record_ids.refresh(o.relpath for o in outcomes)
        duplicates = self.record_ids.duplicates(o.relpath for o in outcomes if o.zone == "validated")
        result = DayResult(day, outcomes, ignored, duplicates, None)
        if not result.failed:
            result.report = atomic_write_text(self.zones.report_path(day), json.dumps({
                "day": day,
                "backup_stamp": self.stamp,
                "walked_at": dt.datetime.fromtimestamp(self.walked_at, dt.UTC).isoformat(),
                "walked_at_epoch": self.walked_at,
                "files": [o.to_dict() for o in outcomes],
                "ignored": ignored,
                "duplicate_ids": duplicates[:MAX_LISTED],
                "duplicate_ids_total": len(duplicates),
            }, indent=2))
        return result

    def finish(self) -> None:
        self.record_ids.save()
