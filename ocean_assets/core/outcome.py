"""The result of one validation rule on one object: shared by asset checks, the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["ERROR", "WARN"]


@dataclass(frozen=True)
class Outcome:
    rule: str
    passed: bool
    message: str = ""
    severity: Severity = "ERROR"
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "severity": self.severity,
            "message": self.message,
            **({"metadata": self.metadata} if self.metadata else {}),
        }


def ok(rule: str, message: str = "ok", severity: Severity = "ERROR", **metadata: Any) -> Outcome:
    return Outcome(rule, True, message, severity, metadata)


def fail(rule: str, message: str, severity: Severity = "ERROR", **metadata: Any) -> Outcome:
    return Outcome(rule, False, message, severity, metadata)
