"""Alerts: Slack-compatible webhook payloads and de-duplication of repeated failures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import requests

from ocean_assets.core.retry import Backoff, PermanentError, call_with_retry


@dataclass(frozen=True)
class Alert:
    key: str          # de-duplication key: the same key alerts once until it clears
    title: str
    text: str
    severity: str = "ERROR"
    fields: dict[str, str] = field(default_factory=dict)


def slack_payload(alert: Alert) -> dict:
    """Incoming-webhook JSON (Slack, Mattermost, Rocket.Chat and most chat tools accept it)."""
    icon = ":red_circle:" if alert.severity == "ERROR" else ":large_yellow_circle:"
    return {
        "text": f"{icon} {alert.title}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{icon} {alert.title}*\n{alert.text}"}},
            *([{"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"}
                                              for k, v in alert.fields.items()]}] if alert.fields else []),
        ],
    }


@dataclass
class Deduper:
    """Remembers open alerts (by key) in a sensor cursor; a key alerts again only after it cleared."""

    open_keys: list[str] = field(default_factory=list)
    storage_id: int = 0
    remember: int = 2000

    @classmethod
    def from_cursor(cls, cursor: str | None, remember: int = 2000) -> Deduper:
        raw = json.loads(cursor) if cursor else {}
        return cls(list(raw.get("open", [])), int(raw.get("storage_id", 0)), remember)

    def to_cursor(self) -> str:
        return json.dumps({"open": self.open_keys[-self.remember:], "storage_id": self.storage_id})

    def should_send(self, key: str) -> bool:
        if key in self.open_keys:
            return False
        self.open_keys.append(key)
        return True

    def clear(self, key: str) -> None:
        if key in self.open_keys:
            self.open_keys.remove(key)


def post_webhook(url: str, alert: Alert, timeout: float = 10.0, backoff: Backoff | None = None) -> None:
    """POST the payload; retry transient failures. Errors never include the URL (it is a secret)."""

    def attempt() -> None:
        try:
            response = requests.post(url, json=slack_payload(alert), timeout=timeout)
        except requests.RequestException as exc:
            raise ConnectionError(f"webhook unreachable ({type(exc).__name__})") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ConnectionError(f"webhook answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"webhook refused the alert: HTTP {response.status_code}")

    call_with_retry(attempt, backoff or Backoff(attempts=3, base_seconds=1.0), retry_on=(ConnectionError,))
