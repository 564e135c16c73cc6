"""Request bodies as monitors send them: PagerDuty events and Alertmanager webhooks."""

from __future__ import annotations

from typing import Any


def trigger(key: str, dedup_key: str | None = None, **payload: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {
            "summary": "Disk 95% full on db1",
            "source": "db1",
            "severity": "error",
            **payload,
        },
    }
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    return event


def follow_up(key: str, action: str, dedup_key: str) -> dict[str, Any]:
    return {"routing_key": key, "event_action": action, "dedup_key": dedup_key}


def am_alert(name: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "severity": "critical", **labels},
        "annotations": {"summary": f"{name} on db1"},
        "startsAt": "2026-03-02T13:59:00Z",
        "endsAt": "2026-03-02T14:05:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph?g0.expr=up",
        "fingerprint": f"fp-{name}",
    }


def am_webhook(*alerts_: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "truncatedAlerts": 0,
        "status": alerts_[0]["status"],
        "receiver": "onwatch",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": list(alerts_),
        **extra,
    }
