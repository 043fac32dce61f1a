"""`make audit`: pip-audit over the installed (pinned) dependencies, failing soft when it cannot
reach a vulnerability database (this build machine has no internet).

Exit 0: no known vulnerabilities, or the audit could not be performed (a clear message says so;
set AUDIT_STRICT=1 to make that exit 2). Exit 1: vulnerabilities found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

NOT_PERFORMED = "pip-audit: audit NOT performed"


def summarize(returncode: int, stdout: str, stderr: str, strict: bool = False) -> tuple[int, str]:
    """Exit code and message for one pip-audit run (``--format json``)."""
    soft = 2 if strict else 0
    try:
        deps = json.loads(stdout)["dependencies"]
    except (ValueError, KeyError, TypeError):
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        last = lines[-1][:300] if lines else f"exit code {returncode}, no output"
        return soft, (f"{NOT_PERFORMED}: it could not run or reach its vulnerability database "
                      f"(no internet?). Last error: {last}")
    vulnerable = [d for d in deps if d.get("vulns")]
    if vulnerable:
        lines = [f"{d['name']} {d.get('version', '?')}: "
                 + ", ".join(f"{v.get('id')} (fix: {', '.join(v.get('fix_versions') or []) or 'none'})"
                             for v in d["vulns"]) for d in vulnerable]
        return 1, f"pip-audit: {len(vulnerable)} vulnerable package(s):\n  " + "\n  ".join(lines)
    skipped = [d for d in deps if d.get("skip_reason") and d.get("name") != "ocean-assets"]
    audited = [d for d in deps if not d.get("skip_reason")]
    if not audited:
        example = skipped[0]["skip_reason"] if skipped else "no packages listed"
        return soft, (f"{NOT_PERFORMED}: none of {len(skipped)} package(s) could be checked; the "
                      f"vulnerability service is unreachable or does not know them (e.g. {example!r})")
    note = f"; {len(skipped)} skipped: {', '.join(d['name'] for d in skipped[:8])}" if skipped else ""
    return 0, f"pip-audit: no known vulnerabilities in {len(audited)} package(s){note}"


def main() -> int:
    cmd = [sys.executable, "-m", "pip_audit", "--local", "--format", "json", "--progress-spinner", "off"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        code, message = summarize(proc.returncode, proc.stdout, proc.stderr,
                                  strict=os.environ.get("AUDIT_STRICT") == "1")
    except (OSError, subprocess.TimeoutExpired) as exc:
        code, message = (2 if os.environ.get("AUDIT_STRICT") == "1" else 0), f"{NOT_PERFORMED}: {exc}"
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
