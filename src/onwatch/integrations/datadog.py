"""Datadog webhook. Datadog lets the user write the JSON body, so onwatch defines one: paste
DATADOG_PAYLOAD_TEMPLATE into the webhook's Payload field (Integrations → Webhooks) and mention
`@webhook-<name>` in the monitor's message.

Mapping: `transition` Triggered/Re-Triggered/Renotify/Warn/Re-Warn/No Data/Re-No Data
trigger, Recovered resolves, Null carries no event. The dedup key is `aggregation_key`, else
`alert_id` joined with `scope`. Severity: Warn/Re-Warn → warning; else the priority P1 critical,
P2 error, P3 warning, P4–P5 info; else `alert_type` (error, warning, info, success → info);
else error. `tags` ("env:prod,app:reader,canary") become labels (`canary` with value ""),
and `hostname` the label `host`. `date` and `last_updated` are epoch milliseconds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from onwatch.alerts.events import Action, AlertEvent, Link, Severity, cut_summary
from onwatch.integrations.body import BodyReader, parse_instant, require_object

DATADOG_PAYLOAD_TEMPLATE = """\
{
  "alert_id": "$ALERT_ID",
  "aggregation_key": "$AGGREG_KEY",
  "cycle_key": "$ALERT_CYCLE_KEY",
  "transition": "$ALERT_TRANSITION",
  "title": "$ALERT_TITLE",
  "message": "$EVENT_MSG",
  "status": "$ALERT_STATUS",
  "priority": "$ALERT_PRIORITY",
  "alert_type": "$ALERT_TYPE",
  "metric": "$ALERT_METRIC",
  "scope": "$ALERT_SCOPE",
  "tags": "$TAGS",
  "hostname": "$HOSTNAME",
  "link": "$LINK",
  "date": "$DATE",
  "last_updated": "$LAST_UPDATED",
  "org": {"id": "$ORG_ID", "name": "$ORG_NAME"}
}
"""

_TRANSITIONS: dict[str, Action | None] = {
    "triggered": "trigger",
    "re-triggered": "trigger",
    "renotify": "trigger",
    "warn": "trigger",
    "re-warn": "trigger",
    "no data": "trigger",
    "re-no data": "trigger",
    "recovered": "resolve",
    "null": None,
}
_WARN_TRANSITIONS = ("warn", "re-warn")
_PRIORITIES: dict[str, Severity] = {
    "p1": "critical",
    "p2": "error",
    "p3": "warning",
    "p4": "info",
    "p5": "info",
}
_ALERT_TYPES: dict[str, Severity] = {
    "error": "error",
    "warning": "warning",
    "info": "info",
    "success": "info",
}
# Datadog leaves a variable it cannot fill as its literal name (`$ALERT_PRIORITY` on a
# monitor without priority); such a value means "not set".
_UNFILLED = re.compile(r"^\$[A-Z_]+$")
_DETAIL_FIELDS = ("status", "metric", "scope", "priority", "alert_type", "cycle_key", "org")


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    """The event in a body built from DATADOG_PAYLOAD_TEMPLATE; Invalid listing every problem."""
    hook = {key: _filled(value) for key, value in require_object(body, "a Datadog webhook").items()}
    read = BodyReader()
    transition = read.string(hook, "transition", required=True)
    if transition and transition.lower() not in _TRANSITIONS:
        known = ", ".join(t.title() for t in _TRANSITIONS)
        read.problem("transition", f"must be one of {known} (got {transition!r})")
    alert_id = read.string(hook, "alert_id")
    aggregation_key = read.string(hook, "aggregation_key")
    scope = read.string(hook, "scope")
    if not (alert_id or aggregation_key):
        read.problem("aggregation_key", "aggregation_key or alert_id is required")
    title = read.string(hook, "title")
    message = read.string(hook, "message")
    if not (title or message):
        read.problem("title", "title or message is required")
    priority = read.string(hook, "priority")
    alert_type = read.string(hook, "alert_type")
    tags = read.string(hook, "tags")
    hostname = read.string(hook, "hostname")
    link = read.string(hook, "link")
    occurred_at = _epoch_or_iso(read, hook, "date") or _epoch_or_iso(read, hook, "last_updated")
    read.raise_if_invalid()

    action = _TRANSITIONS[transition.lower()]
    if action is None:
        return []
    labels = labels_from_tags(tags)
    if hostname:
        labels.setdefault("host", hostname)
    return [
        AlertEvent(
            action=action,
            dedup_key=aggregation_key or (f"{alert_id}:{scope}" if scope else alert_id),
            summary=cut_summary(title or message),
            severity=_severity(transition.lower(), priority, alert_type),
            source=hostname or "datadog",
            occurred_at=occurred_at or now,
            labels=labels,
            annotations={"message": message} if message else {},
            details={k: hook[k] for k in _DETAIL_FIELDS if hook.get(k)},
            links=(Link(href=link, text="Datadog"),) if link else (),
            generator_url=link,
            raw=body,
        )
    ]


def labels_from_tags(tags: str) -> dict[str, str]:
    """Datadog tags as labels: `k:v` splits at the first colon, a bare tag gets "", and values of
    a repeated key are joined with commas in the order given."""
    labels: dict[str, str] = {}
    for tag in tags.split(","):
        tag = tag.strip()
        if not tag:
            continue
        name, _, value = tag.partition(":")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if labels.get(name) and value:
            labels[name] = f"{labels[name]},{value}"
        elif not labels.get(name):
            labels[name] = value
    return labels


def _filled(value: Any) -> Any:
    if isinstance(value, dict):
        filled = {}
        for key, item in value.items():
            item = _filled(item)
            if item is not None:
                filled[key] = item
        return filled
    if isinstance(value, str) and "$" in value and _UNFILLED.match(value.strip()):
        return None
    return value


def _severity(transition: str, priority: str, alert_type: str) -> Severity:
    if transition in _WARN_TRANSITIONS:
        return "warning"
    return (
        _PRIORITIES.get(priority.strip().lower())
        or _ALERT_TYPES.get(alert_type.strip().lower())
        or "error"
    )


def _epoch_or_iso(read: BodyReader, hook: dict[str, Any], key: str) -> datetime | None:
    value = hook.get(key)
    if value is None or value == "":
        return None
    text = str(value).strip()
    if (isinstance(value, int | float) and not isinstance(value, bool)) or text.isdigit():
        try:
            return datetime.fromtimestamp(float(text) / 1000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            read.problem(key, f"is not a usable epoch in milliseconds (got {text!r})")
            return None
    instant = parse_instant(text)
    if instant is None:
        read.problem(key, f"must be epoch milliseconds or ISO-8601 (got {text!r})")
    return instant
