"""A pytest plugin: one line per test file as soon as its last test finishes,
``path: N passed, M failed, K skipped in Xs`` (wall time from the file's first report to its last).

Works alone and under pytest-xdist (``-n 2 --dist loadfile``): it runs in the controlling process,
which learns each file's test count from the collection (the workers' under xdist) and receives
every test report. Loaded by ``ocean_assets_tests/conftest.py``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

import pytest

OUTCOMES = ("passed", "failed", "error", "skipped")


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class FileProgress:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.expected: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        self.failed: set[str] = set()
        self.started: dict[str, float] = {}

    def _count(self, nodeids: list[str]) -> None:
        if not self.expected:  # every xdist worker collects the same ids: count them once
            self.expected.update(_file(n) for n in nodeids)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._count([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._count(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = _file(report.nodeid)
        self.started.setdefault(path, time.monotonic())
        seen = self.outcomes[path]
        if report.failed:
            if report.nodeid not in self.failed:  # once per test, whichever phase failed first
                self.failed.add(report.nodeid)
                seen["failed" if report.when == "call" else "error"] += 1
        elif report.skipped and report.when in ("setup", "call"):
            seen["skipped"] += 1
        elif report.passed and report.when == "call":
            seen["passed"] += 1
        if report.when == "teardown":
            self.done[path] += 1
            if self.done[path] == self.expected.get(path):
                self._finish(path)

    def _finish(self, path: str) -> None:
        seen = self.outcomes[path]
        summary = ", ".join(f"{seen[k]} {k}" for k in OUTCOMES if seen[k]) or "no outcome"
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if getattr(getattr(reporter, "_tw", None), "width_of_current_line", 0):  # after -q's dots
                reporter.write("\n")
            reporter.write_line(f"{path}: {summary} in {time.monotonic() - self.started[path]:.1f}s")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist), not a worker
        config.pluginmanager.register(FileProgress(config), "ocean_assets_file_progress")
