"""Rules over one day of the migration, re-derived from the files on disk (used by asset checks,
the CLI and tests)."""

from __future__ import annotations

import json
from typing import Any

from ocean_assets.core.io import sha256_file
from ocean_assets.core.outcome import Outcome, fail, ok
from ocean_assets.core.raw_zone.validation import validate_bytes
from ocean_assets.core.raw_zone.zones import RawFile, Zones

ACCOUNTED = "every_file_accounted"
REASONS = "quarantine_has_reason"
VALIDATED_VALID = "validated_files_valid"
QUARANTINE_RATE = "quarantine_rate"


def _zone_of(zones: Zones, raw: RawFile, sha: str) -> str | None:
    for zone, path in (("validated", zones.validated_path(raw.source, raw.name)),
                       ("quarantine", zones.quarantine_path(raw.source, raw.name))):
        if path.exists() and sha256_file(path) == sha:
            return zone
    return None


def audit_day(zones: Zones, files: list[RawFile], schema: dict[str, Any],
              max_quarantine_fraction: float) -> dict[str, Outcome]:
    placed: dict[str, list[str]] = {"validated": [], "quarantine": [], "missing": []}
    for raw in files:
        zone = _zone_of(zones, raw, sha256_file(raw.path))
        placed[zone or "missing"].append(raw.relpath)
    outcomes = {}
    n = len(files)
    if placed["missing"]:
        outcomes[ACCOUNTED] = fail(ACCOUNTED, f"{len(placed['missing'])} of {n} raw files are in "
                                   f"neither validated nor quarantine with the same sha256",
                                   missing=placed["missing"][:20])
    else:
        outcomes[ACCOUNTED] = ok(ACCOUNTED, f"{n} raw files, each in validated or quarantine",
                                 files=n)
    bad_reasons = []
    for relpath in placed["quarantine"]:
        source, name = relpath.split("/", 1)
        try:
            reason = json.loads(zones.reason_path(source, name).read_text())
            if reason.get("valid") is not False or not reason.get("problems"):
                bad_reasons.append(relpath)
        except (OSError, ValueError):
            bad_reasons.append(relpath)
    outcomes[REASONS] = (fail(REASONS, f"{len(bad_reasons)} quarantined files lack a reason",
                              files=bad_reasons[:20]) if bad_reasons else
                         ok(REASONS, f"{len(placed['quarantine'])} quarantined, each with a reason"))
    invalid = []
    for relpath in placed["validated"]:
        source, name = relpath.split("/", 1)
        path = zones.validated_path(source, name)
        if not validate_bytes(path.read_bytes(), path.suffix, schema, source).valid:
            invalid.append(relpath)
    outcomes[VALIDATED_VALID] = (
        fail(VALIDATED_VALID, f"{len(invalid)} validated files fail the schema", files=invalid[:20])
        if invalid else ok(VALIDATED_VALID, f"{len(placed['validated'])} validated files pass"))
    fraction = len(placed["quarantine"]) / n if n else 0.0
    message = f"{len(placed['quarantine'])}/{n} files quarantined ({fraction:.0%})"
    outcomes[QUARANTINE_RATE] = (
        fail(QUARANTINE_RATE, message, severity="WARN", fraction=round(fraction, 4))
        if fraction > max_quarantine_fraction else
        ok(QUARANTINE_RATE, message, severity="WARN", fraction=round(fraction, 4)))
    return outcomes
