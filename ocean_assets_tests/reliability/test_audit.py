"""`make audit` reads pip-audit's JSON: vulnerabilities fail, an unreachable database fails soft."""

from __future__ import annotations

import json

from ocean_assets_tests.reliability.audit import NOT_PERFORMED, summarize


def report(*deps: dict) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


def test_vulnerabilities_fail_the_audit():
    code, message = summarize(1, report(
        {"name": "requests", "version": "2.0.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["2.32.0"]}]},
        {"name": "numpy", "version": "2.4.6", "vulns": []}), "")
    assert code == 1 and "requests 2.0.0: GHSA-x (fix: 2.32.0)" in message


def test_clean_audit_passes():
    code, message = summarize(0, report({"name": "numpy", "version": "2.4.6", "vulns": []}), "")
    assert code == 0 and "no known vulnerabilities in 1 package" in message


def test_unreachable_database_fails_soft_with_a_clear_message():
    stderr = "Traceback ...\nrequests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'"
    code, message = summarize(1, "", stderr)
    assert code == 0 and message.startswith(NOT_PERFORMED) and "api.osv.dev" in message
    assert summarize(1, "", stderr, strict=True)[0] == 2


def test_every_package_skipped_is_not_a_pass():
    """What this machine's package mirror answers: 'not found on PyPI' for everything."""
    skipped = [{"name": n, "skip_reason": f"Dependency not found on PyPI and could not be audited: {n}"}
               for n in ("numpy", "xarray", "ocean-assets")]
    code, message = summarize(0, report(*skipped), "")
    assert code == 0 and message.startswith(NOT_PERFORMED) and "none of 2 package(s)" in message
    assert summarize(0, report(*skipped), "", strict=True)[0] == 2
