from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onwatch.alerts.events import Image, Link
from onwatch.core.errors import Invalid
from onwatch.integrations import pagerduty

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
NEW_KEY = "5f2d9c1e8a7b4c3d9e0f1a2b3c4d5e6f"

# The trigger example from PagerDuty's Events API v2 documentation.
PD_DOCS_TRIGGER = {
    "payload": {
        "summary": "Example alert on host1.example.com",
        "timestamp": "2015-07-17T08:42:58.315+0000",
        "source": (
            "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003"
        ),
        "severity": "info",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
        "custom_details": {"ping time": "1500ms", "load avg": 0.75},
    },
    "routing_key": "samplekeyhere",
    "dedup_key": "samplekeyhere",
    "images": [
        {
            "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png",
            "href": "https://example.com/",
            "alt": "Example text",
        }
    ],
    "links": [{"href": "https://example.com/", "text": "Link text"}],
    "event_action": "trigger",
    "client": "Sample Monitoring Service",
    "client_url": "https://monitoring.example.com",
}

PD_DOCS_CHANGE = {
    "routing_key": "samplekeyhere",
    "payload": {
        "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
        "timestamp": "2020-07-17T08:42:58.315+0000",
        "source": "acme-build-pipeline-tool-default-i-9999",
        "custom_details": {"build_state": "passed", "build_number": "2", "run_time": "1236s"},
    },
    "links": [{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}],
}


def trigger(**payload_changes: object) -> dict:
    payload = {"summary": "Disk full on db1", "source": "db1", "severity": "critical"}
    payload.update(payload_changes)
    return {"routing_key": "R0UT1NGKEY", "event_action": "trigger", "payload": payload}


def problems(body: object) -> list[str]:
    with pytest.raises(Invalid) as caught:
        pagerduty.parse_event(body, NOW, NEW_KEY)
    return pagerduty.error_strings(caught.value)


def test_trigger_from_pagerduty_docs_keeps_every_field():
    event = pagerduty.parse_event(PD_DOCS_TRIGGER, NOW, NEW_KEY)

    assert event.action == "trigger"
    assert event.dedup_key == "samplekeyhere"
    assert event.summary == "Example alert on host1.example.com"
    assert event.severity == "info"
    assert event.source.startswith("monitoringtool:cloudvendor")
    assert event.occurred_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert (event.component, event.group, event.class_) == ("postgres", "prod-datapipe", "deploy")
    assert event.details == {"ping time": "1500ms", "load avg": 0.75}
    assert event.links == (
        Link("https://monitoring.example.com", "Sample Monitoring Service"),
        Link("https://example.com/", "Link text"),
    )
    assert event.images == (
        Image(
            "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png",
            "https://example.com/",
            "Example text",
        ),
    )
    # kept with the alert: all of it but the routing key, a credential stored only hashed
    assert event.raw == {k: v for k, v in PD_DOCS_TRIGGER.items() if k != "routing_key"}


def test_trigger_copies_pd_cef_fields_into_labels_for_routing():
    event = pagerduty.parse_event(PD_DOCS_TRIGGER, NOW, NEW_KEY)

    assert event.labels["component"] == "postgres"
    assert event.labels["group"] == "prod-datapipe"
    assert event.labels["class"] == "deploy"
    assert event.labels["severity"] == "info"


def test_trigger_without_dedup_key_gets_generated_key():
    event = pagerduty.parse_event(trigger(), NOW, NEW_KEY)

    assert event.dedup_key == NEW_KEY
    assert pagerduty.accepted_body(event.dedup_key) == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": NEW_KEY,
    }


def test_trigger_without_timestamp_occurred_when_received():
    assert pagerduty.parse_event(trigger(), NOW, NEW_KEY).occurred_at == NOW


def test_acknowledge_and_resolve_need_only_routing_and_dedup_key():
    for action in ("acknowledge", "resolve"):
        body = {"routing_key": "R0UT1NGKEY", "dedup_key": "disk-db1", "event_action": action}

        event = pagerduty.parse_event(body, NOW, NEW_KEY)

        assert (event.action, event.dedup_key, event.severity) == (action, "disk-db1", None)


def test_resolve_without_dedup_key_is_invalid():
    body = {"routing_key": "R0UT1NGKEY", "event_action": "resolve"}

    assert problems(body) == ["dedup_key: is required to resolve"]


def test_missing_routing_key_is_invalid():
    body = trigger()
    del body["routing_key"]

    assert problems(body) == ["routing_key: is required"]


def test_unknown_severity_is_invalid_naming_the_choices():
    assert problems(trigger(severity="fatal")) == [
        "payload.severity: must be one of critical, error, warning, info (got 'fatal')"
    ]


def test_summary_over_1024_characters_is_invalid():
    assert problems(trigger(summary="x" * 1025)) == [
        "payload.summary: must be at most 1024 characters (got 1025)"
    ]


def test_summary_of_exactly_1024_characters_is_accepted():
    assert len(pagerduty.parse_event(trigger(summary="x" * 1024), NOW, NEW_KEY).summary) == 1024


def test_dedup_key_over_255_characters_is_invalid():
    body = trigger()
    body["dedup_key"] = "k" * 256

    assert problems(body) == ["dedup_key: must be at most 255 characters (got 256)"]


def test_every_problem_is_listed_at_once_with_its_path():
    body = {
        "event_action": "trigger",
        "payload": {"summary": 42, "severity": "urgent", "timestamp": "yesterday"},
        "links": [{"text": "no href"}],
    }

    assert problems(body) == [
        "routing_key: is required",
        "payload.summary: must be a string, not a number",
        "payload.source: is required",
        "payload.severity: must be one of critical, error, warning, info (got 'urgent')",
        "payload.timestamp: must be an ISO-8601 date and time (got 'yesterday')",
        "links[0].href: is required",
    ]


def test_trigger_without_payload_is_invalid():
    body = {"routing_key": "R0UT1NGKEY", "event_action": "trigger"}

    assert problems(body) == [
        "payload: is required",
        "payload.summary: is required",
        "payload.source: is required",
        "payload.severity: is required",
    ]


def test_unknown_event_action_is_invalid():
    body = trigger()
    body["event_action"] = "escalate"

    assert problems(body) == [
        "event_action: must be one of trigger, acknowledge, resolve (got 'escalate')"
    ]


def test_body_that_is_not_an_object_is_invalid():
    assert problems(["a", "list"]) == [
        "body must be a JSON object (a PagerDuty Events API v2 event), not an array"
    ]


def test_invalid_event_body_has_pagerduty_shape():
    with pytest.raises(Invalid) as caught:
        pagerduty.parse_event(trigger(severity="bad"), NOW, NEW_KEY)

    assert pagerduty.invalid_event_body(caught.value) == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["payload.severity: must be one of critical, error, warning, info (got 'bad')"],
    }


def test_invalid_error_names_fields_for_the_web_layer():
    with pytest.raises(Invalid) as caught:
        pagerduty.parse_event(trigger(severity="bad", summary=""), NOW, NEW_KEY)

    assert [error.field for error in caught.value.errors] == [
        "payload.summary",
        "payload.severity",
    ]


def test_custom_details_that_are_not_an_object_are_kept():
    event = pagerduty.parse_event(trigger(custom_details="free text"), NOW, NEW_KEY)

    assert event.details == {"custom_details": "free text"}


def test_change_event_from_pagerduty_docs():
    change = pagerduty.parse_change(PD_DOCS_CHANGE, NOW)

    assert change.summary == "Build Success: Increase snapshot create timeout to 30 seconds"
    assert change.source == "acme-build-pipeline-tool-default-i-9999"
    assert change.occurred_at == datetime(2020, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert change.details["build_number"] == "2"
    assert change.links == (
        Link("https://acme.pagerduty.dev/build/2", "View more details in Acme!"),
    )


def test_change_event_without_summary_or_routing_key_is_invalid():
    with pytest.raises(Invalid) as caught:
        pagerduty.parse_change({"payload": {"source": "ci"}}, NOW)

    assert pagerduty.error_strings(caught.value) == [
        "routing_key: is required",
        "payload.summary: is required",
    ]


def test_change_event_without_timestamp_occurred_when_received():
    body = {"routing_key": "R0UT1NGKEY", "payload": {"summary": "Deployed v42"}}

    assert pagerduty.parse_change(body, NOW).occurred_at == NOW
