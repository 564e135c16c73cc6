from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onwatch.alerts.events import Link
from onwatch.core.errors import Invalid
from onwatch.integrations import generic

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

ALERT = {
    "dedup_key": "disk-db1",
    "status": "firing",
    "summary": "Disk 95% full on db1",
    "severity": "error",
    "source": "db1",
    "labels": {"app": "reader"},
    "details": {"used_bytes": 95_000_000_000},
    "links": [{"href": "https://grafana.example.org/d/disk", "text": "Graph"}, "https://wiki/x"],
    "occurred_at": "2026-03-02T13:58:00+01:00",
}


def problems(body: object) -> list[str]:
    with pytest.raises(Invalid) as caught:
        generic.parse(body, NOW)
    return [str(error) for error in caught.value.errors]


def test_single_alert_object_becomes_one_event():
    (event,) = generic.parse(ALERT, NOW)

    assert event.action == "trigger"
    assert (event.dedup_key, event.summary, event.severity) == (
        "disk-db1",
        ALERT["summary"],
        "error",
    )
    assert event.source == "db1"
    assert event.labels == {"app": "reader"}
    assert event.details == {"used_bytes": 95_000_000_000}
    assert event.links == (
        Link("https://grafana.example.org/d/disk", "Graph"),
        Link("https://wiki/x"),
    )
    assert event.occurred_at == datetime(2026, 3, 2, 12, 58, tzinfo=UTC)


def test_array_of_alerts_becomes_one_event_each():
    events = generic.parse([ALERT, {"summary": "Queue backed up"}], NOW)

    assert [e.summary for e in events] == ["Disk 95% full on db1", "Queue backed up"]


def test_minimal_alert_fires_as_warning_now():
    (event,) = generic.parse({"summary": "Queue backed up"}, NOW)

    assert (event.action, event.severity, event.occurred_at) == ("trigger", "warning", NOW)


def test_alert_without_dedup_key_is_keyed_by_its_labels():
    first = generic.parse({"summary": "one", "labels": {"app": "reader", "check": "disk"}}, NOW)
    again = generic.parse({"summary": "two", "labels": {"check": "disk", "app": "reader"}}, NOW)
    resolve = generic.parse(
        {"status": "resolved", "labels": {"app": "reader", "check": "disk"}}, NOW
    )

    assert first[0].dedup_key == again[0].dedup_key == resolve[0].dedup_key


def test_alert_without_dedup_key_or_labels_is_keyed_by_source_and_summary():
    first = generic.parse({"summary": "Queue backed up", "source": "q1"}, NOW)
    other = generic.parse({"summary": "Queue backed up", "source": "q2"}, NOW)

    assert first[0].dedup_key != other[0].dedup_key


def test_resolve_needs_no_summary_and_carries_no_severity():
    (event,) = generic.parse({"status": "resolved", "dedup_key": "disk-db1"}, NOW)

    assert (event.action, event.severity) == ("resolve", None)


def test_resolve_with_nothing_to_find_the_alert_by_is_invalid():
    assert problems({"status": "resolved"}) == ["dedup_key: is required to resolve without labels"]


def test_bad_items_in_an_array_are_listed_with_their_index():
    body = [
        ALERT,
        {"summary": "x" * 1025, "severity": "fatal"},
        {"status": "open", "labels": {"n": 1}},
        7,
    ]

    assert problems(body) == [
        "[1].summary: must be at most 1024 characters (got 1025)",
        "[1].severity: must be one of critical, error, warning, info (got 'fatal')",
        "[2].status: must be one of firing, resolved (got 'open')",
        "[2].summary: is required",
        "[2].labels.n: must be a string, not a number",
        "[3]: must be an object, not a number",
    ]


def test_body_that_is_neither_object_nor_array_is_invalid():
    assert problems("firing") == ["body must be a JSON object or an array of objects, not a string"]
