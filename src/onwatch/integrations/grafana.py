"""Grafana alerting webhook: unified alerting (the Alertmanager shape plus Grafana's fields:
orgId, title, state, message, per-alert dashboardURL, panelURL, silenceURL, imageURL, values,
valueString) and, for older Grafana, the legacy single-rule payload (ruleId, state, evalMatches).

Severity, summary and dedup keys follow alertmanager.py; the extra URLs become links, imageURL
an image, values and valueString details. Legacy `ok` resolves, `alerting` and `no_data`
trigger, `pending` and `paused` carry no event.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from onwatch.alerts.events import Action, AlertEvent, Image, Link, cut_summary, severity_from_word
from onwatch.core.errors import Invalid
from onwatch.integrations.alertmanager import (
    DEFAULT_SEVERITY,
    AlertEntry,
    alert_event,
    read_alert,
    read_group,
)
from onwatch.integrations.body import BodyReader, join_path, require_object

_ALERT_LINKS = (("dashboardURL", "Dashboard"), ("panelURL", "Panel"), ("silenceURL", "Silence"))
_LEGACY_STATES: dict[str, Action] = {"alerting": "trigger", "no_data": "trigger", "ok": "resolve"}
_LEGACY_QUIET_STATES = ("pending", "paused")


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    """The events in a Grafana webhook; Invalid listing every problem."""
    webhook = require_object(body, "a Grafana alerting webhook")
    if "alerts" not in webhook and ("ruleId" in webhook or "ruleName" in webhook):
        return _parse_legacy(webhook, now)
    read = BodyReader()
    context = read_group(read, webhook)
    org_id = webhook.get("orgId")
    if org_id is not None:
        context["orgId"] = org_id
    events = []
    for index, alert in enumerate(read.array(webhook, "alerts", required=True)):
        at = join_path("alerts", index)
        entry = read_alert(read, alert, at)
        if entry is not None:
            events.append(_event(read, alert, entry, at, now, context))
    read.raise_if_invalid()
    return events


def _event(
    read: BodyReader,
    alert: dict[str, Any],
    entry: AlertEntry,
    at: str,
    now: datetime,
    context: dict[str, Any],
) -> AlertEvent:
    hrefs = tuple(read.string(alert, key, at) for key, _ in _ALERT_LINKS)
    image_url = read.string(alert, "imageURL", at)
    details = context
    if isinstance(alert.get("values"), dict) and alert["values"]:
        details = {**details, "values": alert["values"]}
    value_string = read.string(alert, "valueString", at)
    if value_string:
        details = {**details, "valueString": value_string}
    return alert_event(
        entry, now, details, "grafana", more_links=_links(hrefs), images=_images(image_url)
    )


# Alerts of one rule share their dashboard, panel, silence and image URLs; links and images
# are immutable, so shared.
@lru_cache(maxsize=1024)
def _links(hrefs: tuple[str, ...]) -> tuple[Link, ...]:
    return tuple(
        Link(href=href, text=text)
        for href, (_, text) in zip(hrefs, _ALERT_LINKS, strict=True)
        if href
    )


@lru_cache(maxsize=1024)
def _images(image_url: str) -> tuple[Image, ...]:
    return (Image(src=image_url),) if image_url else ()


def _parse_legacy(webhook: dict[str, Any], now: datetime) -> list[AlertEvent]:
    read = BodyReader()
    state = read.string(
        webhook,
        "state",
        required=True,
        choices=(*_LEGACY_STATES, *_LEGACY_QUIET_STATES),
    )
    rule_id = webhook.get("ruleId")
    if rule_id is not None and (isinstance(rule_id, bool) or not isinstance(rule_id, int | str)):
        read.problem("ruleId", "must be a number or a string")
    rule_name = read.string(webhook, "ruleName")
    title = read.string(webhook, "title")
    message = read.string(webhook, "message")
    rule_url = read.string(webhook, "ruleUrl")
    image_url = read.string(webhook, "imageUrl")
    labels = read.string_map(webhook, "tags")
    read.raise_if_invalid()
    if state in _LEGACY_QUIET_STATES:
        return []
    key = f"grafana-rule-{rule_id}" if rule_id not in (None, "") else f"grafana-rule-{rule_name}"
    if key == "grafana-rule-":
        raise Invalid("ruleId or ruleName is required to tell alerts apart", field="ruleId")
    return [
        AlertEvent(
            action=_LEGACY_STATES[state],
            dedup_key=key,
            summary=cut_summary(title or rule_name or message or key),
            severity=severity_from_word(labels.get("severity", "")) or DEFAULT_SEVERITY,
            source="grafana",
            occurred_at=now,
            labels={"alertname": rule_name, **labels} if rule_name else labels,
            annotations={"message": message} if message else {},
            details={"evalMatches": webhook["evalMatches"]} if webhook.get("evalMatches") else {},
            links=(Link(href=rule_url, text="Rule"),) if rule_url else (),
            images=(Image(src=image_url),) if image_url else (),
            generator_url=rule_url,
            raw=webhook,
        )
    ]
