"""The standard tools, as the tests run them: IOOS compliance-checker for CF and ACDD."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from unittest import mock

from compliance_checker.cf import util as cf_util
from compliance_checker.runner import CheckSuite, ComplianceChecker

_SUITE: CheckSuite | None = None


def compliance(path: Path, tests: tuple[str, ...] = ("cf:1.8", "acdd:1.3"),
               priority: str = "high") -> dict[str, list[str]]:
    """Failed checks of ``priority`` (high | medium) per test, as 'section: message' lines.

    An empty list per test means the file passes that standard at that priority."""
    global _SUITE
    if _SUITE is None:
        _SUITE = CheckSuite()
        _SUITE.load_all_available_checkers()
    downloads: list[str] = []

    def no_download(version: str, location: str) -> None:  # tests never touch the internet
        downloads.append(version)
        raise OSError("offline")

    with tempfile.TemporaryDirectory() as tmp, \
            mock.patch.object(cf_util, "download_cf_standard_name_table", no_download):
        out = Path(tmp) / "report.json"
        ComplianceChecker.run_checker(str(path), list(tests), 0, "normal", output_filename=str(out),
                                      output_format="json")
        report = json.loads(out.read_text())
    if downloads:
        raise AssertionError(f"{path.name} names standard name table v{downloads[0]}; "
                             "compliance-checker would download it: use the packaged table's version")
    failures: dict[str, list[str]] = {}
    for test in tests:
        found = []
        for item in report[test][f"{priority}_priorities"]:
            scored, possible = item["value"]
            if scored < possible:
                found += [f"{item['name']}: {msg}" for msg in item["msgs"]] or [item["name"]]
        failures[test] = found
    return failures
