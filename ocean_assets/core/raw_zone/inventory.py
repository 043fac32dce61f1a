"""Everything under the raw zone, found by walking it without following links.

Each entry gets the rule that makes the migration ignore it (or none: the migration takes it) and
the partition day that accounts for it (its report and its checks). Nothing under
``raw/funding_sources/`` is left out: links, nested folders, odd names and unreadable folders are
entries too, each with the rule that ignored it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ocean_assets.core.names import is_valid
from ocean_assets.core.raw_zone.zones import REASON_SUFFIX, Zones, day_of_name, utc_day

# atomic_path's temp names (``.{name}.{8 hex}.tmp``): a write in progress, gone in a moment.
TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
PENDING_DAYS = 2  # a date prefix up to 2 days after the last partition waits (time zones)
IGNORE_RULES = {
    "symlink": "a symbolic link: links are never followed out of the zone",
    "not_a_file": "not a regular file (fifo, socket or device)",
    "unreadable": "a folder the migration cannot read",
    "hidden": "a hidden or temporary name (starts with '.')",
    "at_zone_root": "directly in raw/funding_sources/, not in a source folder",
    "nested": "in a sub-folder of a source folder",
    "hard_link": "a file with other names (hard links): its content may live outside the zone",
    "bad_source": "the source folder is not a valid source id (lower-case a-z, 0-9, '_', '-')",
    "bad_name": "the file name is not a valid file name (A-Z, a-z, 0-9, '.', '_', '+', '-')",
    "outside_partitions": "its arrival date is outside the daily partitions",
}


@dataclass(frozen=True)
class Partitions:
    """The daily partitions that exist now (first and last key, inclusive)."""

    first: str
    last: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, str) and self.first <= day <= self.last

    def pending(self, day: str) -> bool:
        """A day whose partition opens within ``PENDING_DAYS`` (today's files, time zones)."""
        limit = dt.date.fromisoformat(self.last) + dt.timedelta(days=PENDING_DAYS)
        return self.last < day <= limit.isoformat()


@dataclass(frozen=True)
class RawFile:
    source: str
    name: str
    path: Path
    arrival: str  # YYYY-MM-DD: the date prefix of the name, else the file's mtime (UTC)

    @property
    def relpath(self) -> str:
        return f"{self.source}/{self.name}"


@dataclass(frozen=True)
class Entry:
    relpath: str  # below raw/funding_sources/, '/'-separated, as found (may be hostile)
    path: Path
    kind: str  # file | symlink | other | unreadable
    arrival: str  # date prefix of the name, else its own mtime (UTC)
    landed: str  # the day it appeared here: its ctime (UTC), which copying cannot back-date
    ctime: float
    rule: str | None  # None: the migration takes it; else a key of IGNORE_RULES
    day: str | None  # the partition accounting for it; None: that partition is not open yet
    detail: str = ""

    def raw_file(self) -> RawFile:
        source, name = self.relpath.split("/")
        return RawFile(source, name, self.path, self.arrival)

    def ignored(self) -> dict[str, str]:
        return {"file": self.relpath, "rule": self.rule or "", "detail": self.detail}


def account_day(arrival: str, landed: str, partitions: Partitions | None) -> str | None:
    """The partition whose report and checks account for an entry.

    Its arrival day when that partition exists; None while that partition is about to open;
    else the day it landed (so a name dated 2099 or 2019 is reported on the day it appeared),
    the first partition for anything older, None for a landing today (tomorrow's partition).
    """
    if partitions is None or arrival in partitions:
        return arrival
    if partitions.pending(arrival):
        return None
    if landed in partitions:
        return landed
    return partitions.first if landed < partitions.first else None


def _rule(kind: str, parts: list[str]) -> tuple[str | None, str]:
    name = parts[-1]
    if kind == "symlink":
        return "symlink", ""
    if kind == "unreadable":
        return "unreadable", ""
    if kind == "other":
        return "not_a_file", ""
    if any(p.startswith(".") for p in parts):
        return "hidden", ""
    if len(parts) == 1:
        return "at_zone_root", ""
    if len(parts) > 2:
        return "nested", ""
    if not is_valid("source_id", parts[0]):
        return "bad_source", ""
    if name.endswith(REASON_SUFFIX):  # would collide with the quarantine's reason files
        return "bad_name", f"names ending in {REASON_SUFFIX!r} are reserved"
    if not is_valid("file_name", name):
        return "bad_name", ""
    return None, ""


def entries_below(root: Path) -> Iterator[tuple[Path, os.stat_result | None]]:
    """Every entry below ``root`` that is not a folder to enter: files, links (to folders too),
    fifos; and each folder that cannot be listed (stat None). Links are never followed; no
    recursion, so no depth an operator can create breaks the walk."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                children = list(listing)
        except OSError as exc:
            if folder == root:  # the zone itself: nothing can be accounted, say so
                raise OSError(f"cannot list the raw zone {root}: {exc.strerror}") from None
            yield folder, None
            continue
        for child in children:
            try:
                st = child.stat(follow_symlinks=False)
            except FileNotFoundError:  # removed while we walked (a temp file renamed)
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(Path(child.path))
            else:
                yield Path(child.path), st


def _entry(root: Path, path: Path, st: os.stat_result | None, partitions: Partitions | None,
           ) -> Entry:
    unreadable = st is None
    st = st or os.lstat(path)
    kind = ("unreadable" if unreadable else "file" if stat.S_ISREG(st.st_mode)
            else "symlink" if stat.S_ISLNK(st.st_mode) else "other")
    relpath = path.relative_to(root).as_posix()
    arrival = day_of_name(path.name) or utc_day(st.st_mtime)
    landed = utc_day(st.st_ctime)
    rule, detail = _rule(kind, relpath.split("/"))
    if kind == "symlink":
        detail = f"points to {os.readlink(path)!r}"
    elif rule is None and st.st_nlink > 1:
        rule, detail = "hard_link", f"{st.st_nlink} names share this file"
    if rule is None and partitions is not None and arrival not in partitions \
            and not partitions.pending(arrival):
        rule = "outside_partitions"
        detail = f"arrival {arrival} is outside {partitions.first}..{partitions.last}"
    return Entry(relpath, path, kind, arrival, landed, st.st_ctime, rule,
                 account_day(arrival, landed, partitions), detail or IGNORE_RULES.get(rule or "", ""))


def walk_raw(zones: Zones, partitions: Partitions | None = None) -> list[Entry]:
    """Every entry below the raw zone (files, links, fifos, unreadable folders), sorted."""
    root = zones.raw
    if not root.is_dir():
        return []
    return sorted((_entry(root, path, st, partitions) for path, st in entries_below(root)),
                  key=lambda e: e.relpath)


def scan_raw(zones: Zones, days: set[str] | None = None, sources: set[str] | None = None,
             partitions: Partitions | None = None) -> list[RawFile]:
    """The raw files the migration takes (no ignore rule), sorted by source and name."""
    return [e.raw_file() for e in walk_raw(zones, partitions) if e.rule is None
            and (days is None or e.day in days)
            and (not sources or e.relpath.split("/")[0] in sources)]


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, refusing a link or fifo swapped in since the walk."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path.name} is no longer a regular file")
        return fh.read()
