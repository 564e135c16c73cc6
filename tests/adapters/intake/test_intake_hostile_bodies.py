"""Intake bodies a fuzzing campaign sent, each once a 5xx or stored as something else: a NUL
character (PostgreSQL cannot store one), JSON nested 1,000 deep, a 5,000-digit integer, NaN,
Infinity and 1e400 (stored as null). Each is a 400 naming the field, in the wire format's own
answer, on both databases, and nothing of the request is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import MetricSampleRecord
from onwatch.core.db import Database
from tests.adapters.intake.payloads import am_alert, am_webhook, trigger
from tests.adapters.intake.stored import Keys, stored_rows

NOTHING = (0, 0, 0, 0)
NUL = "must not contain a NUL character (\\u0000)"
MARK = "MARK"  # replaced by raw JSON text in the encoded body


def _with(body: Any, raw: str) -> bytes:
    """`body` encoded, with the string "MARK" replaced by `raw`, JSON that json.dumps won't
    write (NaN) or writes otherwise (a \\u0000 escape inside a longer string)."""
    return json.dumps(body).replace(f'"{MARK}"', raw).encode()


def _pagerduty(client: TestClient, body: bytes) -> list[str]:
    response = client.post("/v2/enqueue", content=body)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "invalid event"
    return response.json()["errors"]


def _webhook(client: TestClient, url: str, body: bytes) -> list[dict[str, str]]:
    response = client.post(url, content=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_json"
    return response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (lambda key: trigger(key, summary=MARK), "payload.summary"),
        (lambda key: trigger(key, dedup_key=MARK), "dedup_key"),
        (lambda key: trigger(key, component=MARK), "payload.component"),
        (lambda key: trigger(key, custom_details={"log": ["ok", MARK]}), "payload.custom_details"),
    ],
)
def test_nul_in_a_pagerduty_event_is_400_naming_the_field(
    client: TestClient, keys: Keys, db: Database, event: Any, field: str
) -> None:
    errors = _pagerduty(client, _with(event(keys["pagerduty"]), '"disk\\u0000full"'))
    assert len(errors) == 1
    assert errors[0].startswith(field) and errors[0].endswith(NUL)
    assert stored_rows(db) == NOTHING


def test_nul_in_labels_annotations_and_keys_of_webhooks_is_400_naming_the_field(
    client: TestClient, keys: Keys, db: Database
) -> None:
    alertmanager = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"
    label = _with(am_webhook(am_alert(MARK)), '"Disk\\u0000Full"')
    assert _webhook(client, alertmanager, label) == [
        {"field": "alerts[0].labels.alertname", "message": NUL}
    ]
    key = json.dumps(am_webhook(am_alert("DiskFull", team="db"))).replace('"team"', '"te\\u0000am"')
    assert _webhook(client, alertmanager, key.encode()) == [
        {"field": "alerts[0].labels.te\\u0000am", "message": NUL}
    ]
    generic = f"/api/v1/intake/generic/{keys['generic']}"
    for name in ("summary", "dedup_key", "source"):
        body = _with({"summary": "Disk full", "dedup_key": "disk", name: MARK}, '"a\\u0000"')
        assert _webhook(client, generic, body) == [{"field": name, "message": NUL}]
    body = _with([{"summary": "ok"}, {"summary": "x", "labels": {"app": MARK}}], '"\\u0000"')
    assert _webhook(client, generic, body) == [{"field": "[1].labels.app", "message": NUL}]
    assert stored_rows(db) == NOTHING


def test_json_nested_1000_deep_is_400_naming_where(
    client: TestClient, keys: Keys, db: Database
) -> None:
    deep = "[" * 1000 + "]" * 1000
    event = trigger(keys["pagerduty"], custom_details=MARK)
    assert _pagerduty(client, _with(event, deep)) == [
        "payload.custom_details: is nested more than 64 levels deep"
    ]
    generic = f"/api/v1/intake/generic/{keys['generic']}"
    body = _with({"summary": "Disk full", "details": MARK}, deep)
    assert _webhook(client, generic, body) == [
        {"field": "details[0]", "message": "is nested more than 64 levels deep"}
    ]
    assert stored_rows(db) == NOTHING


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("7" * 5000, "holds an integer of 5000 digits; at most 4300 are read"),
        ("NaN", "holds NaN, which is not a JSON number"),
        ("Infinity", "holds Infinity, which is not a JSON number"),
        ("-Infinity", "holds -Infinity, which is not a JSON number"),
        ("1e400", "holds 1e400, beyond what a 64-bit float holds"),
    ],
)
def test_numbers_that_cannot_be_stored_are_400_naming_the_field(
    client: TestClient, keys: Keys, db: Database, raw: str, message: str
) -> None:
    event = trigger(keys["pagerduty"], custom_details={"free_gb": MARK})
    assert _pagerduty(client, _with(event, raw)) == [f"payload.custom_details.free_gb: {message}"]
    change = {"routing_key": keys["pagerduty"], "payload": {"summary": "v2", "source": MARK}}
    response = client.post("/v2/change/enqueue", content=_with(change, raw))
    assert response.status_code == 400
    assert response.json()["errors"] == [f"payload.source: {message}"]
    grafana = f"/api/v1/intake/grafana/{keys['grafana']}"
    alert = {**am_alert("DiskFull"), "values": {"B": MARK}}
    body = _with({"alerts": [alert]}, raw)
    assert _webhook(client, grafana, body) == [{"field": "alerts[0].values.B", "message": message}]
    assert stored_rows(db) == NOTHING


def test_metric_counts_past_their_column_are_422_naming_them(
    client: TestClient, keys: Keys, db: Database
) -> None:
    sample = {"at": "2026-03-02T13:59:00Z", "requests": 2**31, "errors": 0}
    response = client.post(f"/api/v1/intake/metrics/{keys['metrics']}", json=sample)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["requests"]
    nul = _with({"samples": [{"at": MARK}]}, '"2026\\u0000"')
    response = client.post(f"/api/v1/intake/metrics/{keys['metrics']}", content=nul)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == [{"field": "samples[0].at", "message": NUL}]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MetricSampleRecord)) == 0
