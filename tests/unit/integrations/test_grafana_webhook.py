from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from onwatch.alerts.events import Image, Link
from onwatch.core.errors import Invalid
from onwatch.integrations import grafana

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

# The example in Grafana's webhook notifier documentation (unified alerting).
WEBHOOK = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "firing",
            "labels": {
                "alertname": "High CPU usage",
                "team": "blue",
                "zone": "eu-1",
                "severity": "critical",
            },
            "annotations": {"description": "The system has high CPU usage"},
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "https://play.grafana.org/d/abc",
            "panelURL": "https://play.grafana.org/d/abc?viewPanel=2",
            "imageURL": "https://play.grafana.org/public/img/alert.png",
            "valueString": "[ var='B' labels={} value=81.2 ]",
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = High memory usage\n",
}

LEGACY = {
    "dashboardId": 1,
    "evalMatches": [{"value": 100, "metric": "High value", "tags": None}],
    "imageUrl": "https://grafana.com/assets/img/blog/mixed_styles.png",
    "message": "Someone is testing the alert notification within Grafana.",
    "orgId": 0,
    "panelId": 1,
    "ruleId": 0,
    "ruleName": "Test notification",
    "ruleUrl": "http://localhost:3000/",
    "state": "alerting",
    "tags": {"app": "reader"},
    "title": "[Alerting] Test notification",
}


def test_documented_grafana_payload_gives_one_event_per_alert():
    events = grafana.parse(WEBHOOK, NOW)

    assert [(e.action, e.dedup_key, e.summary) for e in events] == [
        ("trigger", "c6eadffa33fcdf37", "This alert was triggered for zone us-1"),
        ("trigger", "bc97ff14869b13e3", "The system has high CPU usage"),
    ]
    assert events[0].occurred_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)


def test_grafana_urls_become_links_and_image():
    event = grafana.parse(WEBHOOK, NOW)[1]

    assert event.links == (
        Link("https://play.grafana.org/alerting/d1rdpdv7k/edit", "Source"),
        Link("https://play.grafana.org/d/abc", "Dashboard"),
        Link("https://play.grafana.org/d/abc?viewPanel=2", "Panel"),
        Link("https://play.grafana.org/alerting/silence/new?alertmanager=grafana", "Silence"),
    )
    assert event.images == (Image("https://play.grafana.org/public/img/alert.png"),)


def test_grafana_values_and_org_are_kept_in_details():
    first, second = grafana.parse(WEBHOOK, NOW)

    assert first.details["values"] == {"B": 44.23943737541908, "C": 1}
    assert first.details["orgId"] == 1
    assert second.details["valueString"] == "[ var='B' labels={} value=81.2 ]"


def test_grafana_severity_comes_from_the_severity_label():
    first, second = grafana.parse(WEBHOOK, NOW)

    assert (first.severity, second.severity) == ("warning", "critical")
    assert first.source == "grafana"


def test_grafana_resolved_alert_resolves():
    body = copy.deepcopy(WEBHOOK)
    body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2021-10-12T10:01:03+02:00"

    event = grafana.parse(body, NOW)[0]

    assert event.action == "resolve"
    assert event.occurred_at == datetime(2021, 10, 12, 8, 1, 3, tzinfo=UTC)


def test_grafana_payload_with_wrong_types_lists_every_problem():
    body = copy.deepcopy(WEBHOOK)
    body["alerts"][0]["panelURL"] = 7
    body["alerts"][1]["labels"] = ["not", "a", "map"]

    with pytest.raises(Invalid) as caught:
        grafana.parse(body, NOW)

    assert [str(e) for e in caught.value.errors] == [
        "alerts[0].panelURL: must be a string, not a number",
        "alerts[1].labels: must be an object, not an array",
    ]


def test_legacy_grafana_alert_triggers_keyed_by_rule():
    (event,) = grafana.parse(LEGACY, NOW)

    assert event.action == "trigger"
    assert event.dedup_key == "grafana-rule-0"
    assert event.summary == "[Alerting] Test notification"
    assert event.labels == {"alertname": "Test notification", "app": "reader"}
    assert event.images == (Image("https://grafana.com/assets/img/blog/mixed_styles.png"),)
    assert event.occurred_at == NOW


def test_legacy_grafana_ok_resolves_and_pending_says_nothing():
    assert grafana.parse({**LEGACY, "state": "ok"}, NOW)[0].action == "resolve"
    assert grafana.parse({**LEGACY, "state": "pending"}, NOW) == []


def test_legacy_grafana_unknown_state_is_invalid():
    with pytest.raises(Invalid) as caught:
        grafana.parse({**LEGACY, "state": "exploded"}, NOW)

    assert caught.value.errors[0].field == "state"
