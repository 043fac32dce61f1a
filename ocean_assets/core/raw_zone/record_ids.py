"""Record ids across the validated zone: the same award id in two files is flagged with both names.

Ids are re-read only from files whose size or mtime changed since the cache
(``transformed/.record_ids.json``: {relpath: [size, mtime_ns, [ids]]}), so a rollback or
a hand edit is seen, and a file that left the validated zone drops out.
"""

from __future__ import annotations

import json
import os
import stat
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.names import is_valid
from ocean_assets.core.raw_zone.validation import parse_records
from ocean_assets.core.raw_zone.zones import Zones

MAX_LISTED = 50  # duplicate ids listed in a report (the total is always given)


def _ids(path: Path) -> list[str]:
    try:
        records = parse_records(path.read_bytes(), path.suffix.lower())
    except (OSError, ValueError, UnicodeDecodeError):
        return []  # an unreadable validated file is the validated_files_valid check's finding
    return sorted({r["id"] for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)})


class RecordIds:
    def __init__(self, zones: Zones) -> None:
        self.zones = zones
        try:
            cache = json.loads(zones.record_ids_path.read_text())
        except (OSError, ValueError):
            cache = {}
        # only well-formed entries of a damaged cache are kept: the rest is re-read from the files
        self._cache: dict[str, list[Any]] = {
            rel: entry for rel, entry in (cache.items() if isinstance(cache, dict) else [])
            if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], list)
            and all(isinstance(i, str) for i in entry[2])}
        self.files: dict[str, list[str]] = {}
        self.by_id: dict[str, set[str]] = defaultdict(set)
        self.refresh(self._validated_relpaths() | set(self._cache))

    def _validated_relpaths(self) -> set[str]:
        found = set()
        for dirpath, _, filenames in os.walk(self.zones.validated, followlinks=False):
            here = Path(dirpath)
            for name in filenames:
                rel = (here / name).relative_to(self.zones.validated).as_posix()
                if len(rel.split("/")) == 2:
                    found.add(rel)
        return found

    def refresh(self, relpaths: Iterable[str]) -> None:
        """Re-read the ids of these validated files where they changed (or drop them if gone)."""
        for rel in relpaths:
            for old in self.files.pop(rel, []):
                self.by_id[old].discard(rel)
            source, _, name = rel.partition("/")
            if not (is_valid("source_id", source) and is_valid("file_name", name)):
                continue
            path = self.zones.validated_path(source, name)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                self._cache.pop(rel, None)
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            cached = self._cache.get(rel)
            ids = cached[2] if cached and cached[:2] == [st.st_size, st.st_mtime_ns] else _ids(path)
            self._cache[rel] = [st.st_size, st.st_mtime_ns, ids]
            self.files[rel] = ids
            for record_id in ids:
                self.by_id[record_id].add(rel)

    def duplicates(self, relpaths: Iterable[str]) -> list[dict[str, Any]]:
        """Ids of these files that another validated file holds too, with every file holding them."""
        found = {}
        for rel in relpaths:
            for record_id in self.files.get(rel, []):
                if len(self.by_id[record_id]) > 1:
                    found[record_id] = sorted(self.by_id[record_id])
        return [{"id": k, "files": v} for k, v in sorted(found.items())]

    def save(self) -> None:
        atomic_write_text(self.zones.record_ids_path, json.dumps(self._cache, sort_keys=True))
