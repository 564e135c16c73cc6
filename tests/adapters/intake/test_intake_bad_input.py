"""Bad intake requests: each a clear 4xx, nothing stored, and no answer that tells a caller
anything about keys, services or integrations it does not hold."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from onwatch.core.db import Database
from tests.adapters.intake.payloads import am_alert, am_webhook, trigger
from tests.adapters.intake.stored import Keys, stored_rows

NOTHING = (0, 0, 0, 0)


def _reveals_nothing(text: str, keys: Keys) -> None:
    lowered = text.lower()
    for secret in keys.values():
        assert secret not in text
    for word in ("reader", "alertmanager", "pagerduty", "grafana", "service"):
        assert word not in lowered, f"{word!r} in {text}"


def test_missing_routing_key_is_400_in_pagerduty_shape(
    client: TestClient, keys: Keys, db: Database
) -> None:
    event = trigger(keys["pagerduty"])
    del event["routing_key"]
    response = client.post("/v2/enqueue", json=event)
    assert response.status_code == 400
    assert response.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["routing_key: is required"],
    }
    assert stored_rows(db) == NOTHING


def test_unknown_severity_is_400_naming_the_allowed_ones(
    client: TestClient, keys: Keys, db: Database
) -> None:
    response = client.post("/v2/enqueue", json=trigger(keys["pagerduty"], severity="disaster"))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "payload.severity: must be one of critical, error, warning, info (got 'disaster')"
    ]
    assert stored_rows(db) == NOTHING


def test_summary_over_1024_characters_is_400(client: TestClient, keys: Keys, db: Database) -> None:
    response = client.post("/v2/enqueue", json=trigger(keys["pagerduty"], summary="x" * 1025))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "payload.summary: must be at most 1024 characters (got 1025)"
    ]
    assert stored_rows(db) == NOTHING


def test_every_problem_of_an_event_is_listed_at_once(
    client: TestClient, keys: Keys, db: Database
) -> None:
    event = {
        "routing_key": keys["pagerduty"],
        "event_action": "explode",
        "payload": {"summary": "", "severity": "bad"},
    }
    response = client.post("/v2/enqueue", json=event)
    assert response.status_code == 400
    assert len(response.json()["errors"]) == 1  # event_action decides what else is checked
    event["event_action"] = "trigger"
    errors = client.post("/v2/enqueue", json=event).json()["errors"]
    assert [e.split(":")[0] for e in errors] == [
        "payload.summary",
        "payload.source",
        "payload.severity",
    ]
    assert stored_rows(db) == NOTHING


@pytest.mark.parametrize("raw", [b'{"routing_key": "x",', b"", b"\xff\xfe", b"not json"])
def test_non_json_is_400(client: TestClient, keys: Keys, db: Database, raw: bytes) -> None:
    response = client.post("/v2/enqueue", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"
    webhook = client.post(f"/api/v1/intake/alertmanager/{keys['alertmanager']}", content=raw)
    assert webhook.status_code == 400
    assert webhook.json()["error"]["code"] == "invalid_json"
    assert stored_rows(db) == NOTHING


def test_half_a_surrogate_pair_is_400_naming_the_field(
    client: TestClient, keys: Keys, db: Database
) -> None:
    event = json.dumps(trigger(keys["pagerduty"], dedup_key="KEY")).replace("KEY", "a\\ud800")
    response = client.post(
        "/v2/enqueue", content=event, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "dedup_key: holds half a surrogate pair (a \\u escape), not a character"
    ]
    body = json.dumps(am_webhook(am_alert("LABEL"))).replace("LABEL", "\\udc00")
    webhook = client.post(f"/api/v1/intake/alertmanager/{keys['alertmanager']}", content=body)
    assert webhook.status_code == 400
    assert webhook.json()["error"]["message"].startswith("alerts[0].labels.alertname: holds half")
    assert stored_rows(db) == NOTHING


def test_body_over_512_kb_is_413(client: TestClient, keys: Keys, db: Database) -> None:
    event = trigger(keys["pagerduty"])
    event["payload"]["custom_details"] = {"log": "x" * (512 * 1024)}
    for url in ("/v2/enqueue", f"/api/v1/intake/generic/{keys['generic']}"):
        response = client.post(
            url, content=json.dumps(event), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"
    assert stored_rows(db) == NOTHING


def test_unknown_key_is_401_and_reveals_nothing(
    client: TestClient, keys: Keys, db: Database
) -> None:
    """PagerDuty's endpoints answer 400 instead, as PagerDuty does (test_pagerduty_keys.py)."""
    unknown = "owi_" + "A" * 43
    answers = [
        client.post(
            f"/api/v1/intake/alertmanager/{unknown}", json=am_webhook(am_alert("DiskFull"))
        ),
        client.post(
            "/api/v1/intake/alertmanager",
            json=am_webhook(am_alert("DiskFull")),
            headers={"Authorization": f"Bearer {unknown}"},
        ),
        client.post("/api/v1/intake/alertmanager", json=am_webhook(am_alert("DiskFull"))),
    ]
    assert [a.status_code for a in answers] == [401] * 3
    for answer in answers:
        _reveals_nothing(answer.text, keys)
    assert stored_rows(db) == NOTHING


def test_key_of_another_wire_format_is_403_and_reveals_nothing(
    client: TestClient, keys: Keys, db: Database
) -> None:
    answers = [
        client.post(
            f"/api/v1/intake/alertmanager/{keys['pagerduty']}",
            json=am_webhook(am_alert("DiskFull")),
        ),
        client.post(f"/api/v1/intake/generic/{keys['grafana']}", json={"summary": "x"}),
    ]
    assert [a.status_code for a in answers] == [403] * 2
    for answer in answers:
        _reveals_nothing(answer.text, keys)
    assert stored_rows(db) == NOTHING


def test_bad_webhook_body_is_422_naming_each_field(
    client: TestClient, keys: Keys, db: Database
) -> None:
    url = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"
    wrong_version = client.post(url, json={**am_webhook(am_alert("A")), "version": "3"})
    assert wrong_version.status_code == 422
    assert wrong_version.json()["error"]["fields"] == [
        {
            "field": "version",
            "message": "onwatch reads Alertmanager webhook version \"4\" (got '3')",
        }
    ]
    bad_alert = am_webhook(am_alert("A"), {**am_alert("B"), "status": "exploding"})
    response = client.post(url, json=bad_alert)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["alerts[1].status"]
    assert stored_rows(db) == NOTHING  # the good alert of the batch is not stored either


def test_unknown_webhook_type_is_404(client: TestClient, keys: Keys) -> None:
    response = client.post(f"/api/v1/intake/nagios/{keys['generic']}", json={})
    assert response.status_code == 404
