"""PagerDuty Events API v2, as PagerDuty documents it: alert events (`POST /v2/enqueue`) and change
events (`POST /v2/change/enqueue`) parsed into AlertEvent and ChangeEvent, and PD's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from onwatch.alerts.events import (
    ACTIONS,
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    SEVERITIES_HIGHEST_FIRST,
    Action,
    AlertEvent,
    ChangeEvent,
    Link,
    Severity,
)
from onwatch.core.errors import Invalid
from onwatch.integrations.body import BodyReader, require_object


def parse_event(body: Any, now: datetime, new_dedup_key: str) -> AlertEvent:
    """The alert event in an `/v2/enqueue` body.

    `new_dedup_key` (a fresh UUID from the caller) becomes the key of a trigger sent without
    one; PagerDuty does the same and echoes the key in its answer. A trigger needs
    `payload.summary`, `payload.source` and `payload.severity`; acknowledge and resolve need
    only `routing_key` and `dedup_key`. Raises Invalid listing every problem.
    """
    event = require_object(body, "a PagerDuty Events API v2 event")
    read = BodyReader()
    read.string(event, "routing_key", required=True)
    action = read.string(event, "event_action", required=True, choices=ACTIONS)
    key_problems = len(read.errors)
    dedup_key = read.string(event, "dedup_key", max_length=MAX_DEDUP_KEY)
    key_is_wrong = len(read.errors) > key_problems
    if action in ("acknowledge", "resolve") and not dedup_key and not key_is_wrong:
        read.problem("dedup_key", f"is required to {action}")
    if action != "trigger":
        read.raise_if_invalid()
        # PD ignores the payload of acknowledge and resolve events, so we do not check it.
        return AlertEvent(
            action=cast(Action, action), dedup_key=dedup_key, occurred_at=now, raw=_kept(event)
        )

    payload = read.object(event, "payload", required=True)
    summary = read.string(payload, "summary", "payload", required=True, max_length=MAX_SUMMARY)
    source = read.string(payload, "source", "payload", required=True)
    severity = read.string(
        payload, "severity", "payload", required=True, choices=SEVERITIES_HIGHEST_FIRST
    )
    occurred_at = read.instant(payload, "timestamp", "payload")
    component = read.string(payload, "component", "payload")
    group = read.string(payload, "group", "payload")
    class_ = read.string(payload, "class", "payload")
    links = read.links(event, "links")
    images = read.images(event, "images")
    client = read.string(event, "client")
    client_url = read.string(event, "client_url")
    read.raise_if_invalid()

    if client_url:
        links = (Link(href=client_url, text=client or "View in monitor"), *links)
    # PD-CEF fields copied into labels, so routing rules and label grouping work for PD events
    # too; a trigger always has source and severity.
    labels = {"source": source}
    if component:
        labels["component"] = component
    if group:
        labels["group"] = group
    if class_:
        labels["class"] = class_
    labels["severity"] = severity
    return AlertEvent(
        action="trigger",
        dedup_key=dedup_key or new_dedup_key,
        summary=summary,
        severity=cast(Severity, severity),
        source=source,
        occurred_at=occurred_at or now,
        labels=labels,
        details=_details(payload.get("custom_details")),
        links=links,
        images=images,
        component=component,
        group=group,
        class_=class_,
        raw=_kept(event),
    )


def parse_change(body: Any, now: datetime) -> ChangeEvent:
    """The change event in a `/v2/change/enqueue` body; Invalid listing every problem."""
    event = require_object(body, "a PagerDuty change event")
    read = BodyReader()
    read.string(event, "routing_key", required=True)
    payload = read.object(event, "payload", required=True)
    summary = read.string(payload, "summary", "payload", required=True, max_length=MAX_SUMMARY)
    source = read.string(payload, "source", "payload")
    occurred_at = read.instant(payload, "timestamp", "payload")
    links = read.links(event, "links")
    read.raise_if_invalid()
    return ChangeEvent(
        summary=summary,
        occurred_at=occurred_at or now,
        source=source,
        details=_details(payload.get("custom_details")),
        links=links,
        raw=_kept(event),
    )


def accepted_body(dedup_key: str) -> dict[str, str]:
    """PagerDuty's 202 answer to an alert event."""
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def change_accepted_body() -> dict[str, str]:
    """PagerDuty's 202 answer to a change event."""
    return {"status": "success", "message": "Change event processed"}


def error_strings(invalid: Invalid) -> list[str]:
    """The `errors` list of PagerDuty's 400 answer: one `path: problem` string per problem."""
    return [str(error) for error in invalid.errors]


def invalid_event_body(invalid: Invalid) -> dict[str, Any]:
    """PagerDuty's 400 answer to an event it cannot accept."""
    return {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": error_strings(invalid),
    }


def invalid_routing_key_body() -> dict[str, Any]:
    """PagerDuty's answer, with status 400, to a routing key it does not know.

    PagerDuty's Events API v2 documents 400 ("Bad Request", do not retry) for an event it
    refuses, with the body `{"status": "invalid event", "message": "Event object is invalid",
    "errors": [...]}` (developer.pagerduty.com, Events API v2 overview and "Send an Alert
    Event"); for an unknown key its `errors` says "Invalid routing key", as clients that
    report PagerDuty's answer show it. Neither its docs nor its Python client (`pagerduty` on
    PyPI, which only raises on any 4xx) say more. Used for every key onwatch will not take
    here: unknown, deleted, rotated away, or of another wire format, so the answer says
    nothing of which."""
    return {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["Invalid routing key"],
    }


def _kept(event: dict[str, Any]) -> dict[str, Any]:
    """The event as stored with the alert: everything but its routing key, a credential that
    is stored only hashed and must not be shown to whoever can read alerts."""
    return {name: value for name, value in event.items() if name != "routing_key"}


def _details(custom_details: Any) -> dict[str, Any]:
    # PD documents an object but shows any JSON value; keep a non-object under one key.
    if custom_details is None:
        return {}
    if isinstance(custom_details, dict):
        return custom_details
    return {"custom_details": custom_details}
