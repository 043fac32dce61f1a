"""The Prometheus alert rules, judged by Prometheus's own `promtool`: the rules file is valid and
its unit tests pass (config/prometheus/alert_rules_test.yml), including ManyAnomalies staying quiet
when retention deletes rows. Debian's `prometheus` package provides promtool; CI installs it."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ocean_assets.settings import PROJECT_ROOT

RULES = PROJECT_ROOT / "config" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is required in CI (Debian package: prometheus)")
        pytest.skip("promtool is not installed (Debian package: prometheus)")
    return found


def run(promtool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([promtool, *args], cwd=RULES, capture_output=True, text=True, timeout=120)


def test_rules_file_is_valid(promtool):
    result = run(promtool, "check", "rules", "alert_rules.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass(promtool):
    result = run(promtool, "test", "rules", "alert_rules_test.yml")
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


def test_the_retention_case_is_in_the_unit_tests():
    """The case that mattered stays tested: anomalies falling (retention) within ManyAnomalies' window."""
    text = (RULES / "alert_rules_test.yml").read_text()
    assert "'5000x60 200+1x60'" in text and "alertname: ManyAnomalies" in text
