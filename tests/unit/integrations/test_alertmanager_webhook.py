from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from onwatch.alerts.events import Link
from onwatch.core.errors import Invalid
from onwatch.integrations import alertmanager

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

# As Alertmanager 0.27 sends it: one group, three alerts, one of them resolved, with nanosecond
# timestamps and Go's zero time for endsAt of firing alerts.
WEBHOOK = {
    "receiver": "onwatch",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighErrorRate",
                "app": "reader",
                "instance": "reader-1:9100",
                "job": "reader",
                "severity": "critical",
            },
            "annotations": {
                "summary": "Reader 5xx above 5%",
                "description": "reader-1 answered 7.2% of requests with 5xx for 10 minutes",
                "runbook_url": "https://runbooks.example.org/reader/5xx",
            },
            "startsAt": "2026-03-02T13:51:03.157076589Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=rate%28http_5xx%5B5m%5D%29",
            "fingerprint": "c6eadffa33fcdf37",
        },
        {
            "status": "firing",
            "labels": {"alertname": "HighErrorRate", "app": "reader", "instance": "reader-2:9100"},
            "annotations": {"description": "reader-2 answered 6.1% of requests with 5xx"},
            "startsAt": "2026-03-02T13:52:03Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=rate%28http_5xx%5B5m%5D%29",
            "fingerprint": "bc97ff14869b13e3",
        },
        {
            "status": "resolved",
            "labels": {"alertname": "DiskFilling", "app": "dispatch", "severity": "warning"},
            "annotations": {},
            "startsAt": "2026-03-02T12:00:00Z",
            "endsAt": "2026-03-02T13:58:00+00:00",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=disk",
            "fingerprint": "7f3a9b2c1d0e4f56",
        },
    ],
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "app": "reader"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
}


def webhook(**changes: object) -> dict:
    body = copy.deepcopy(WEBHOOK)
    body.update(changes)
    return body


def problems(body: object) -> list[str]:
    with pytest.raises(Invalid) as caught:
        alertmanager.parse(body, NOW)
    return [str(error) for error in caught.value.errors]


def test_every_alert_of_the_webhook_becomes_one_event_keyed_by_fingerprint():
    events = alertmanager.parse(WEBHOOK, NOW)

    assert [(e.action, e.dedup_key) for e in events] == [
        ("trigger", "c6eadffa33fcdf37"),
        ("trigger", "bc97ff14869b13e3"),
        ("resolve", "7f3a9b2c1d0e4f56"),
    ]


def test_firing_alert_keeps_labels_annotations_and_generator_url():
    event = alertmanager.parse(WEBHOOK, NOW)[0]

    assert event.labels["app"] == "reader"
    assert event.annotations["runbook_url"] == "https://runbooks.example.org/reader/5xx"
    assert event.generator_url.startswith("http://prometheus:9090/graph")
    assert event.links == (
        Link(event.generator_url, "Source"),
        Link("https://runbooks.example.org/reader/5xx", "Runbook"),
    )
    assert event.raw is WEBHOOK["alerts"][0]


def test_group_context_is_kept_in_details():
    event = alertmanager.parse(WEBHOOK, NOW)[0]

    assert event.details == {
        "receiver": "onwatch",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "groupLabels": {"alertname": "HighErrorRate"},
        "externalURL": "http://alertmanager:9093",
    }


def test_firing_alert_occurred_when_it_started_and_resolved_alert_when_it_ended():
    firing, _, resolved = alertmanager.parse(WEBHOOK, NOW)

    assert firing.occurred_at == datetime(2026, 3, 2, 13, 51, 3, 157076, tzinfo=UTC)
    assert resolved.occurred_at == datetime(2026, 3, 2, 13, 58, tzinfo=UTC)


def test_summary_comes_from_summary_then_description_then_alertname():
    first, second, third = alertmanager.parse(WEBHOOK, NOW)

    assert first.summary == "Reader 5xx above 5%"
    assert second.summary == "reader-2 answered 6.1% of requests with 5xx"
    assert third.summary == "DiskFilling"


def test_severity_label_maps_to_ours_and_missing_reads_as_warning():
    first, second, third = alertmanager.parse(WEBHOOK, NOW)

    assert (first.severity, second.severity, third.severity) == ("critical", "warning", "warning")


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("crit", "critical"),
        ("page", "critical"),
        ("P2", "error"),
        ("Warn", "warning"),
        ("low", "info"),
        ("whatever", "warning"),
    ],
)
def test_severity_synonyms_are_understood(label: str, severity: str):
    body = webhook()
    body["alerts"][0]["labels"]["severity"] = label

    assert alertmanager.parse(body, NOW)[0].severity == severity


def test_source_is_the_instance_label():
    assert alertmanager.parse(WEBHOOK, NOW)[0].source == "reader-1:9100"


def test_alert_without_fingerprint_gets_a_stable_key_from_its_labels():
    body = webhook()
    del body["alerts"][0]["fingerprint"]
    reordered = webhook()
    del reordered["alerts"][0]["fingerprint"]
    reordered["alerts"][0]["labels"] = dict(reversed(list(body["alerts"][0]["labels"].items())))

    key = alertmanager.parse(body, NOW)[0].dedup_key

    assert key == alertmanager.parse(reordered, NOW)[0].dedup_key
    assert len(key) == 16
    assert key != alertmanager.labels_fingerprint({"alertname": "Other"})


def test_unknown_extra_fields_are_tolerated():
    body = webhook(somethingNew={"x": 1})
    body["alerts"][0]["annotationsV2"] = ["future"]

    assert len(alertmanager.parse(body, NOW)) == 3


def test_long_description_is_shortened_to_1024_characters():
    body = webhook()
    body["alerts"][0]["annotations"] = {"description": "word " * 400}

    summary = alertmanager.parse(body, NOW)[0].summary

    assert len(summary) == 1024
    assert summary.endswith("…")


def test_version_other_than_4_is_rejected_clearly():
    assert problems(webhook(version="3")) == [
        "version: onwatch reads Alertmanager webhook version \"4\" (got '3')"
    ]


def test_missing_version_is_rejected_clearly():
    body = webhook()
    del body["version"]

    assert problems(body) == ['version: onwatch reads Alertmanager webhook version "4" (got none)']


def test_wrong_alert_entries_are_all_listed_with_their_paths():
    body = webhook()
    body["alerts"][0]["status"] = "pending"
    body["alerts"][1]["labels"]["replicas"] = 3
    body["alerts"][2]["startsAt"] = "not a time"
    body["alerts"].append("not an object")

    assert problems(body) == [
        "alerts[0].status: must be one of firing, resolved (got 'pending')",
        "alerts[1].labels.replicas: must be a string, not a number",
        "alerts[2].startsAt: must be an ISO-8601 date and time (got 'not a time')",
        "alerts[3]: must be an object, not a string",
    ]


def test_missing_alerts_array_is_invalid():
    body = webhook()
    del body["alerts"]

    assert problems(body) == ["alerts: is required"]


def test_empty_alerts_array_gives_no_events():
    assert alertmanager.parse(webhook(alerts=[]), NOW) == []
