"""onwatch's own generic JSON webhook, for scripts and tools with no format of their own. The
body is one alert object or an array of them:

    {"dedup_key": "disk-db1",             optional, at most 255 characters
     "status": "firing",                  "firing" (default) or "resolved"
     "summary": "Disk 95% full on db1",   required when firing, at most 1024 characters
     "severity": "error",                 critical, error, warning (default) or info
     "source": "db1",                     the affected system
     "labels": {"app": "reader"},         string values; used by routing and grouping
     "details": {"free": "form"},         any JSON object
     "links": [{"href": "https://…", "text": "Graph"}],   or plain URL strings
     "occurred_at": "2024-05-01T10:00:00Z"}              ISO-8601, default: when received

Without `dedup_key` the key is a hash of the labels, or of source and summary when there are
no labels, so repeats of the same alert fold together and a resolve finds its trigger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from onwatch.alerts.events import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    SEVERITIES_HIGHEST_FIRST,
    Action,
    AlertEvent,
    Severity,
)
from onwatch.core.errors import Invalid
from onwatch.integrations.alertmanager import labels_fingerprint
from onwatch.integrations.body import BodyReader, join_path, type_name

DEFAULT_SEVERITY: Severity = "warning"
_STATUSES: dict[str, Action] = {"firing": "trigger", "resolved": "resolve"}


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    """The events of a generic webhook body; Invalid listing every problem with its path
    (`summary`, or `[2].summary` inside an array)."""
    if isinstance(body, dict):
        items, paths = [body], [""]
    elif isinstance(body, list):
        items, paths = body, [join_path("", index) for index in range(len(body))]
    else:
        raise Invalid(f"body must be a JSON object or an array of objects, not {type_name(body)}")
    read = BodyReader()
    events = [_event(read, item, path, now) for item, path in zip(items, paths, strict=True)]
    read.raise_if_invalid()
    return [event for event in events if event is not None]


def _event(read: BodyReader, item: Any, path: str, now: datetime) -> AlertEvent | None:
    if not isinstance(item, dict):
        read.problem(path, f"must be an object, not {type_name(item)}")
        return None
    problems = len(read.errors)
    status = read.string(item, "status", path, choices=_STATUSES)
    action = _STATUSES.get(status or "firing", "trigger")
    dedup_key = read.string(item, "dedup_key", path, max_length=MAX_DEDUP_KEY)
    summary = read.string(
        item,
        "summary",
        path,
        required=action == "trigger",
        max_length=MAX_SUMMARY,
    )
    severity = read.string(item, "severity", path, choices=SEVERITIES_HIGHEST_FIRST)
    source = read.string(item, "source", path)
    labels = read.string_map(item, "labels", path)
    details = read.object(item, "details", path)
    links = read.links(item, "links", path)
    occurred_at = read.instant(item, "occurred_at", path)
    if not (dedup_key or labels or summary) and len(read.errors) == problems:
        read.problem(join_path(path, "dedup_key"), "is required to resolve without labels")
    if len(read.errors) > problems:
        return None
    return AlertEvent(
        action=action,
        dedup_key=dedup_key or _derived_key(labels, source, summary),
        summary=summary,
        severity=cast(Severity, severity) if severity else _default_severity(action),
        source=source,
        occurred_at=occurred_at or now,
        labels=labels,
        details=details,
        links=links,
        raw=item,
    )


def _default_severity(action: Action) -> Severity | None:
    # A resolve without a severity leaves the stored alert's severity alone.
    return DEFAULT_SEVERITY if action == "trigger" else None


def _derived_key(labels: dict[str, str], source: str, summary: str) -> str:
    if labels:
        return labels_fingerprint(labels)
    return labels_fingerprint({"source": source, "summary": summary})
