"""Rules over one day of the migration, re-derived from the files on disk (used by asset checks,
the CLI and tests).

Accounting does not trust the migration's own selection of files: it walks everything under the
raw zone itself (links, nested folders, odd names, unreadable folders included) and requires each
entry of the day to be in validated or quarantine with the same sha256, or listed as ignored,
with its rule, in the day's report. Anything else fails ``every_file_accounted``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_assets.core.io import sha256_file
from ocean_assets.core.names import is_valid
from ocean_assets.core.outcome import Outcome, fail, ok
from ocean_assets.core.raw_zone.inventory import (
    Partitions,
    account_day,
    entries_below,
    read_regular,
)
from ocean_assets.core.raw_zone.validation import validate_bytes
from ocean_assets.core.raw_zone.zones import Zones, day_of_name, utc_day

ACCOUNTED = "every_file_accounted"
REASONS = "quarantine_has_reason"
VALIDATED_VALID = "validated_files_valid"
QUARANTINE_RATE = "quarantine_rate"
IGNORED = "no_ignored_files"
DUPLICATE_IDS = "record_ids_unique"
LISTED = 20  # files named in a check's metadata


@dataclass(frozen=True)
class Found:
    relpath: str
    path: Path
    st: os.stat_result | None  # None: a folder that could not be listed


def every_entry(root: Path) -> list[Found]:
    """Every entry below ``root`` that is not a folder to enter: files, links (to folders too),
    fifos, and folders that could not be listed. Links are never followed."""
    return [Found(path.relative_to(root).as_posix(), path, st) for path, st in entries_below(root)]


def _day(entry: Found, partitions: Partitions | None) -> str | None:
    st = entry.st or os.lstat(entry.path)
    arrival = day_of_name(entry.path.name) or utc_day(st.st_mtime)
    return account_day(arrival, utc_day(st.st_ctime), partitions)


def _sha_of_regular(entry: Found) -> str | None:
    if entry.st is None or not stat.S_ISREG(entry.st.st_mode):
        return None
    try:
        return hashlib.sha256(read_regular(entry.path)).hexdigest()
    except OSError:
        return None


def _placed(zones: Zones, entry: Found) -> str | None:
    source, _, name = entry.relpath.partition("/")
    if not (is_valid("source_id", source) and is_valid("file_name", name)):
        return None
    sha = _sha_of_regular(entry)
    if sha is None:
        return None
    for zone, path in (("validated", zones.validated_path(source, name)),
                       ("quarantine", zones.quarantine_path(source, name))):
        if path.is_file() and not path.is_symlink() and sha256_file(path) == sha:
            return zone
    return None


def read_report(zones: Zones, day: str) -> dict[str, Any]:
    try:
        report = json.loads(zones.report_path(day).read_text())
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def _ignored_in(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    listed = report.get("ignored")
    if not isinstance(listed, list):
        return {}
    return {i["file"]: i for i in listed if isinstance(i, dict) and isinstance(i.get("file"), str)
            and i.get("rule")}


def account(zones: Zones, day: str, partitions: Partitions | None,
            ) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """The day's raw entries by state: validated, quarantine, ignored, arrived_later, unaccounted;
    and the report's ignore record of each ignored entry."""
    report = read_report(zones, day)
    ignored = _ignored_in(report)
    walked_at = report.get("walked_at_epoch")
    placed: dict[str, list[str]] = {k: [] for k in
                                    ("validated", "quarantine", "ignored", "arrived_later", "unaccounted")}
    root = zones.raw
    for entry in every_entry(root) if root.is_dir() else []:
        if _day(entry, partitions) != day:
            continue
        state = _placed(zones, entry)
        if state is None and entry.relpath in ignored:
            state = "ignored"
        elif state is None and entry.st is not None and isinstance(walked_at, (int, float)) \
                and entry.st.st_ctime > walked_at:
            state = "arrived_later"  # landed after the migration looked: the sensor's next run
        placed[state or "unaccounted"].append(entry.relpath)
    return placed, {rel: ignored[rel] for rel in placed["ignored"]}


def _accounted(placed: dict[str, list[str]], ignored: dict[str, dict[str, str]]) -> Outcome:
    total = sum(len(v) for v in placed.values())
    rules = Counter(i["rule"] for i in ignored.values())
    counts = {k: len(v) for k, v in placed.items()}
    if placed["unaccounted"]:
        shown = ", ".join(repr(r) for r in placed["unaccounted"][:5])
        return fail(ACCOUNTED, f"{counts['unaccounted']} of {total} raw entries are in neither "
                    f"validated nor quarantine (same sha256) nor listed as ignored in the day's "
                    f"report: {shown}", "ERROR", unaccounted_files=placed["unaccounted"][:LISTED],
                    **counts)
    by_rule = ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items()))
    return ok(ACCOUNTED, f"{total} raw entries: {counts['validated']} validated, "
              f"{counts['quarantine']} quarantined, {counts['ignored']} ignored"
              f"{f' ({by_rule})' if by_rule else ''}, {counts['arrived_later']} arrived after "
              "the run", "ERROR", **counts)


def _reasons(zones: Zones, quarantined: list[str]) -> Outcome:
    bad = []
    for relpath in quarantined:
        source, _, name = relpath.partition("/")
        try:
            reason = json.loads(zones.reason_path(source, name).read_text())
            if not isinstance(reason, dict) or reason.get("valid") is not False \
                    or not reason.get("problems"):
                bad.append(relpath)
        except (OSError, ValueError):
            bad.append(relpath)
    if bad:
        return fail(REASONS, f"{len(bad)} quarantined files lack a reason", files=bad[:LISTED])
    return ok(REASONS, f"{len(quarantined)} quarantined, each with a reason")


def _validated_valid(zones: Zones, validated: list[str], schema: dict[str, Any]) -> Outcome:
    invalid = []
    for relpath in validated:
        source, _, name = relpath.partition("/")
        path = zones.validated_path(source, name)
        if not validate_bytes(path.read_bytes(), path.suffix, schema, source).valid:
            invalid.append(relpath)
    if invalid:
        return fail(VALIDATED_VALID, f"{len(invalid)} validated files fail the schema",
                    files=invalid[:LISTED])
    return ok(VALIDATED_VALID, f"{len(validated)} validated files pass")


def _ignored(ignored: dict[str, dict[str, str]]) -> Outcome:
    if not ignored:
        return ok(IGNORED, "no raw entry was ignored", severity="WARN")
    rules = Counter(i["rule"] for i in ignored.values())
    first = next(iter(ignored.values()))
    return fail(IGNORED, f"{len(ignored)} raw entries were not migrated ({dict(rules)}), e.g. "
                f"{first['file']!r}: {first['rule']} ({first.get('detail', '')})"[:400],
                severity="WARN", ignored=list(ignored.values())[:LISTED])


def _duplicates(report: dict[str, Any]) -> Outcome:
    listed = report.get("duplicate_ids")
    if not isinstance(listed, list) or not listed:
        return ok(DUPLICATE_IDS, "no record id of the day is in another validated file",
                  severity="WARN")
    total = report.get("duplicate_ids_total", len(listed))
    first = listed[0] if isinstance(listed[0], dict) else {}
    return fail(DUPLICATE_IDS, f"{total} record ids of the day are in several validated files, "
                f"e.g. {first.get('id')!r} in {', '.join(map(str, first.get('files', [])))}"[:400],
                severity="WARN", duplicates=listed[:LISTED])


def audit_day(zones: Zones, day: str, partitions: Partitions | None, schema: dict[str, Any],
              max_quarantine_fraction: float) -> dict[str, Outcome]:
    placed, ignored = account(zones, day, partitions)
    taken = len(placed["validated"]) + len(placed["quarantine"])
    fraction = len(placed["quarantine"]) / taken if taken else 0.0
    message = f"{len(placed['quarantine'])}/{taken} files quarantined ({fraction:.0%})"
    rate = (fail if fraction > max_quarantine_fraction else ok)(
        QUARANTINE_RATE, message, severity="WARN", fraction=round(fraction, 4))
    return {
        ACCOUNTED: _accounted(placed, ignored),
        REASONS: _reasons(zones, placed["quarantine"]),
        VALIDATED_VALID: _validated_valid(zones, placed["validated"], schema),
        QUARANTINE_RATE: rate,
        IGNORED: _ignored(ignored),
        DUPLICATE_IDS: _duplicates(read_report(zones, day)),
    }
