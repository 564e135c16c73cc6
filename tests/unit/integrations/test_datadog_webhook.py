from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from onwatch.alerts.events import Link
from onwatch.core.errors import Invalid
from onwatch.integrations import datadog

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

# DATADOG_PAYLOAD_TEMPLATE as Datadog fills it for a monitor without a priority.
TRIGGERED = {
    "alert_id": "1234",
    "aggregation_key": "9bd4ac313a4d1e8fae2482df7b77628",
    "cycle_key": "7c0ff4a9b1",
    "transition": "Triggered",
    "title": "[Triggered on {host:ip-012345}] Appointments latency above 8s",
    "message": "@webhook-onwatch p95 latency of appointments is 9.1s",
    "status": "trace.rack.request.duration.by.service.95p over host:ip-012345 was > 8.0",
    "priority": "$ALERT_PRIORITY",
    "alert_type": "error",
    "metric": "trace.rack.request.duration.by.service.95p",
    "scope": "host:ip-012345",
    "tags": "env:prod,service:appointments,team:vaos,monitor",
    "hostname": "ip-012345",
    "link": "https://app.datadoghq.com/event/event?id=5412312",
    "date": "1772460000000",
    "last_updated": "1772460000000",
    "org": {"id": "11287", "name": "Example Org"},
}


def test_template_is_valid_json_once_datadog_fills_it():
    filled = datadog.DATADOG_PAYLOAD_TEMPLATE.replace("$", "X")

    assert set(json.loads(filled)) >= {"alert_id", "transition", "title", "tags", "date"}


def test_triggered_monitor_becomes_a_trigger_keyed_by_aggregation_key():
    (event,) = datadog.parse(TRIGGERED, NOW)

    assert event.action == "trigger"
    assert event.dedup_key == "9bd4ac313a4d1e8fae2482df7b77628"
    assert event.summary == "[Triggered on {host:ip-012345}] Appointments latency above 8s"
    assert event.source == "ip-012345"
    assert event.occurred_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert event.links == (Link("https://app.datadoghq.com/event/event?id=5412312", "Datadog"),)
    assert event.annotations == {"message": "@webhook-onwatch p95 latency of appointments is 9.1s"}


def test_tags_become_labels_and_hostname_the_host_label():
    (event,) = datadog.parse(TRIGGERED, NOW)

    assert event.labels == {
        "env": "prod",
        "service": "appointments",
        "team": "vaos",
        "monitor": "",
        "host": "ip-012345",
    }


def test_repeated_tag_keys_are_joined():
    assert datadog.labels_from_tags("role:web, role:api ,az:us-east-1a:b") == {
        "role": "web,api",
        "az": "us-east-1a:b",
    }


def test_unfilled_variables_count_as_absent():
    (event,) = datadog.parse(TRIGGERED, NOW)

    assert "priority" not in event.details
    assert event.severity == "error"


@pytest.mark.parametrize(
    ("priority", "alert_type", "transition", "severity"),
    [
        ("P1", "error", "Triggered", "critical"),
        ("P2", "error", "Triggered", "error"),
        ("P3", "error", "Re-Triggered", "warning"),
        ("P5", "error", "Renotify", "info"),
        ("", "warning", "Triggered", "warning"),
        ("", "info", "Triggered", "info"),
        ("P1", "warning", "Warn", "warning"),
        ("", "", "No Data", "error"),
    ],
)
def test_severity_from_transition_priority_then_alert_type(
    priority: str, alert_type: str, transition: str, severity: str
):
    body = {**TRIGGERED, "priority": priority, "alert_type": alert_type, "transition": transition}

    assert datadog.parse(body, NOW)[0].severity == severity


def test_recovered_monitor_resolves_the_same_key():
    (event,) = datadog.parse({**TRIGGERED, "transition": "Recovered"}, NOW)

    assert (event.action, event.dedup_key) == ("resolve", "9bd4ac313a4d1e8fae2482df7b77628")


def test_null_transition_carries_no_event():
    assert datadog.parse({**TRIGGERED, "transition": "Null"}, NOW) == []


def test_without_aggregation_key_the_key_is_monitor_and_scope():
    body = {**TRIGGERED, "aggregation_key": "$AGGREG_KEY"}

    assert datadog.parse(body, NOW)[0].dedup_key == "1234:host:ip-012345"


def test_date_may_be_iso_8601():
    body = {**TRIGGERED, "date": "2026-03-02T13:55:00Z"}

    assert datadog.parse(body, NOW)[0].occurred_at == datetime(2026, 3, 2, 13, 55, tzinfo=UTC)


def test_body_missing_what_it_needs_lists_every_problem():
    body = {"transition": "Exploded", "date": "last tuesday", "tags": ["a"]}

    with pytest.raises(Invalid) as caught:
        datadog.parse(body, NOW)

    assert [str(e) for e in caught.value.errors] == [
        "transition: must be one of Triggered, Re-Triggered, Renotify, Warn, Re-Warn, No Data, "
        "Re-No Data, Recovered, Null (got 'Exploded')",
        "aggregation_key: aggregation_key or alert_id is required",
        "title: title or message is required",
        "tags: must be a string, not an array",
        "date: must be epoch milliseconds or ISO-8601 (got 'last tuesday')",
    ]
