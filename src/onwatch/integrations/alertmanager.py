"""Prometheus Alertmanager webhook, payload version "4": one AlertEvent per entry of `alerts[]`,
keyed by its fingerprint, `firing` → trigger and `resolved` → resolve.

Severity comes from the `severity` label (`critical`, `error`, `warning`, `info` and common
synonyms such as `crit`, `page`, `warn`, `P1`…`P5`, see alerts.events). A missing or unknown
severity label reads as `warning`: high enough to open an incident, and the service's
escalation policy, not a guess here, decides whether it pages. Unknown fields are ignored.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from onwatch.alerts.events import (
    Action,
    AlertEvent,
    Image,
    Link,
    Severity,
    cut_summary,
    severity_from_word,
)
from onwatch.core.errors import Invalid
from onwatch.integrations.body import BodyReader, join_path, require_object, type_name

SUPPORTED_VERSION = "4"
DEFAULT_SEVERITY: Severity = "warning"
_STATUS_ACTIONS: dict[str, Action] = {"firing": "trigger", "resolved": "resolve"}
# Labels that name the affected system, best first; PagerDuty calls this the event's source.
_SOURCE_LABELS = ("instance", "job", "service", "app")
# Where the summary comes from, best first; then the alertname label.
_SUMMARY_ANNOTATIONS = ("summary", "description", "message")


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    """One event per alert of an Alertmanager webhook; Invalid listing every problem, or saying
    plainly that the version is not "4"."""
    webhook = require_object(body, 'an Alertmanager webhook, version "4"')
    version = webhook.get("version")
    if version != SUPPORTED_VERSION:
        got = "none" if version is None else repr(version)
        raise Invalid(
            f'onwatch reads Alertmanager webhook version "4" (got {got})', field="version"
        )
    read = BodyReader()
    details = read_group(read, webhook)
    entries = [
        read_alert(read, alert, join_path("alerts", index))
        for index, alert in enumerate(read.array(webhook, "alerts", required=True))
    ]
    read.raise_if_invalid()
    return [alert_event(entry, now, details, "alertmanager") for entry in entries if entry]


def read_group(read: BodyReader, webhook: dict[str, Any]) -> dict[str, Any]:
    """What the webhook says about the whole group, kept in every event's details."""
    context: dict[str, Any] = {
        "receiver": read.string(webhook, "receiver"),
        "groupKey": read.string(webhook, "groupKey"),
        "groupLabels": read.string_map(webhook, "groupLabels"),
        "externalURL": read.string(webhook, "externalURL"),
    }
    truncated = webhook.get("truncatedAlerts")
    if isinstance(truncated, int) and not isinstance(truncated, bool) and truncated > 0:
        context["truncatedAlerts"] = truncated
    return {name: value for name, value in context.items() if value}


# One entry of `alerts[]`, its fields checked: raw, action, labels, annotations, starts_at,
# ends_at, generator_url, fingerprint. A plain tuple: a NamedTuple cost ~0.9 us more per alert.
AlertEntry = tuple[
    dict[str, Any],
    Action,
    dict[str, str],
    dict[str, str],
    datetime | None,
    datetime | None,
    str,
    str,
]


def read_alert(read: BodyReader, alert: Any, at: str) -> AlertEntry | None:
    """The entry of `alerts[]` found at path `at`; None (with the problems recorded) if it is
    wrong. Grafana's webhook shares this shape, so grafana.py builds on it."""
    if not isinstance(alert, dict):
        read.problem(at, f"must be an object, not {type_name(alert)}")
        return None
    problems = len(read.errors)
    status = read.string(alert, "status", at, required=True, choices=_STATUS_ACTIONS)
    labels = read.string_map(alert, "labels", at)
    annotations = read.string_map(alert, "annotations", at)
    starts_at = read.instant(alert, "startsAt", at)
    ends_at = read.instant(alert, "endsAt", at)
    generator_url = read.string(alert, "generatorURL", at)
    fingerprint = read.string(alert, "fingerprint", at)
    if len(read.errors) > problems:
        return None
    action = _STATUS_ACTIONS[status]
    return alert, action, labels, annotations, starts_at, ends_at, generator_url, fingerprint


def alert_event(
    entry: AlertEntry,
    now: datetime,
    details: dict[str, Any],
    default_source: str,
    *,
    more_links: tuple[Link, ...] = (),
    images: tuple[Image, ...] = (),
) -> AlertEvent:
    """The event for one entry of `alerts[]`; Grafana adds its own links and images.

    Events of a webhook may share one `details` object, the group's: nothing changes an
    event's details after parsing (alerts.ingest copies them into the row)."""
    raw, action, labels, annotations, starts_at, ends_at, generator_url, fingerprint = entry
    source = default_source
    for name in _SOURCE_LABELS:
        if labels.get(name):
            source = labels[name]
            break
    links = _links(generator_url, annotations.get("runbook_url", ""))
    return AlertEvent(
        action=action,
        dedup_key=fingerprint or labels_fingerprint(labels),
        summary=alert_summary(labels, annotations),
        severity=severity_from_word(labels.get("severity", "")) or DEFAULT_SEVERITY,
        source=source,
        occurred_at=(starts_at if action == "trigger" else ends_at) or now,
        labels=labels,
        annotations=annotations,
        details=details,
        links=links + more_links if more_links else links,
        images=images,
        generator_url=generator_url,
        raw=raw,
    )


def alert_summary(labels: dict[str, str], annotations: dict[str, str]) -> str:
    for name in _SUMMARY_ANNOTATIONS:
        text = annotations.get(name)
        if text and not text.isspace():
            return cut_summary(text)
    text = labels.get("alertname")
    if text and not text.isspace():
        return cut_summary(text)
    return "Alert " + labels_fingerprint(labels)


# Alerts of one rule share their generator and runbook URLs; links are immutable, so shared.
@lru_cache(maxsize=1024)
def _links(generator_url: str, runbook_url: str) -> tuple[Link, ...]:
    links = [Link(href=generator_url, text="Source")] if generator_url else []
    if runbook_url:
        links.append(Link(href=runbook_url, text="Runbook"))
    return tuple(links)


def labels_fingerprint(labels: dict[str, str]) -> str:
    """A stable 16-hex-digit key for a label set, for alerts sent without a fingerprint.

    Alertmanager's own fingerprint is also a hash of the labels alone, so the key means the
    same thing: the same label set is the same alert.
    """
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
