"""Where a monitor sends with an integration key: the URL of each wire format on this install,
and ready `curl` commands that open a test alert with the key and resolve it again."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

KEY_PLACEHOLDER = "KEY"
TEST_DEDUP_KEY = "onwatch-test"
WEBHOOK_KINDS = ("alertmanager", "grafana", "datadog", "generic")
# Wire formats a monitor sends with an integration key (heartbeats are pinged at their own URLs).
SENDING_KINDS = ("pagerduty", *WEBHOOK_KINDS, "metrics")


@dataclass(frozen=True)
class Endpoint:
    """What to paste into a monitor for one integration, and how to try it from a shell."""

    url: str  # the URL to paste; for PagerDuty it holds no key (the key is the routing key)
    key_field: str  # where the key goes besides the URL: "routing key" for PagerDuty, else ""
    test: str  # a curl command that opens a test alert (for metrics: posts one sample)
    resolve: str  # a curl command that resolves the test alert; "" for metrics


def endpoint(kind: str, base_url: str, name: str, key: str | None = None) -> Endpoint | None:
    """The endpoint of an integration of wire format `kind` named `name` on the install at
    `base_url`, with `key` filled in, or KEY_PLACEHOLDER where the key is not known (it is
    shown only when made). None for a kind nothing posts to (heartbeat)."""
    key = key or KEY_PLACEHOLDER
    summary = f"Test alert from integration {name}"
    if kind == "pagerduty":
        url = f"{base_url}/v2/enqueue"
        firing = {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": TEST_DEDUP_KEY,
            "payload": {"summary": summary, "source": "curl", "severity": "info"},
        }
        resolved = {"routing_key": key, "event_action": "resolve", "dedup_key": TEST_DEDUP_KEY}
        return Endpoint(url, "routing key", _curl(url, firing), _curl(url, resolved))
    if kind in WEBHOOK_KINDS:
        url = f"{base_url}/api/v1/intake/{kind}/{key}"
        firing, resolved = _webhook_bodies(kind, summary)
        return Endpoint(url, "", _curl(url, firing), _curl(url, resolved))
    if kind == "metrics":
        url = f"{base_url}/api/v1/intake/metrics/{key}"
        # A sample must say when it was taken; the shell fills in the time it is sent.
        sample = '{"at": "\'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"\'", "requests": 1, "errors": 0}'
        return Endpoint(url, "", _curl(url, None, raw=f"'{sample}'"), "")
    return None


def _webhook_bodies(kind: str, summary: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A firing and a resolving body in the webhook format `kind`, for the same alert."""
    if kind == "generic":
        firing = {"dedup_key": TEST_DEDUP_KEY, "summary": summary, "severity": "info"}
        return firing, {"dedup_key": TEST_DEDUP_KEY, "status": "resolved"}
    if kind == "datadog":
        firing = {
            "alert_id": TEST_DEDUP_KEY,
            "transition": "Triggered",
            "title": summary,
            "priority": "P5",
        }
        return firing, {**firing, "transition": "Recovered"}
    # Alertmanager's webhook, version 4; Grafana's unified alerting sends the same shape.
    return _alertmanager(summary, "firing"), _alertmanager(summary, "resolved")


def _alertmanager(summary: str, status: str) -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": {"alertname": "OnwatchTest", "severity": "info"},
        "annotations": {"summary": summary},
        "fingerprint": TEST_DEDUP_KEY,
    }
    return {"version": "4", "status": status, "receiver": "curl", "alerts": [alert]}


def _curl(url: str, body: dict[str, Any] | None, raw: str = "") -> str:
    data = raw or shlex.quote(json.dumps(body, ensure_ascii=False))
    parts = [f"curl -sS {shlex.quote(url)}", "-H 'Content-Type: application/json'", f"-d {data}"]
    return " \\\n  ".join(parts)
