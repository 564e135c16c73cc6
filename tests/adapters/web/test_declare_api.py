"""POST /api/v1/incidents: a responder declares an incident (201, Location), which pages the
service's on-call; the same Idempotency-Key and body answer 200 with the same incident and page
nobody again; the key with another body is a 422 naming the header; bad fields are 422 naming
each; viewers and strangers are refused; nothing is stored on a refusal."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.notifications.models import Notification
from tests.conftest import bearer
from tests.integration.escalation.helpers import engine, load, pages

BODY = {"service": "api", "title": "Checkout fails for everyone", "severity": "sev1"}


@pytest.fixture
def org(db: Database, clock: FakeClock) -> None:
    load(db, clock)


def _incidents(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


def _outbox(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Notification)) or 0


def test_a_responder_declares_an_incident_that_pages_the_on_call(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock, org: None
) -> None:
    made = client.post(
        "/api/v1/incidents",
        json={**BODY, "priority": "p1", "summary": "Orders fail at payment."},
        headers=bearer(tokens["responder"]),
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["location"] == f"/api/v1/incidents/{body['id']}"
    assert (body["service"], body["status"], body["severity"], body["priority"]) == (
        "api", "triggered", "sev1", "p1",
    )  # fmt: skip
    engine(db, clock).tick()
    assert [who for _, who in pages(db, body["id"])] == ["ann"]
    detail = client.get(f"/api/v1/incidents/{body['id']}", headers=bearer(tokens["viewer"]))
    [opened] = [e for e in detail.json()["timeline"] if e["kind"] == "opened"]
    assert opened["actor"] == "token:test-responder"
    with db.read() as session:
        source = select(TimelineEntry.source).where(TimelineEntry.kind == "opened")
        assert session.scalar(source) == "api"


def test_the_same_idempotency_key_twice_declares_once_and_pages_once(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock, org: None
) -> None:
    headers = {**bearer(tokens["responder"]), "Idempotency-Key": "0b7c6f0e-5a1d-4c55"}
    first = client.post("/api/v1/incidents", json=BODY, headers=headers)
    assert first.status_code == 201, first.text
    engine(db, clock).tick()
    again = client.post("/api/v1/incidents", json=BODY, headers=headers)
    assert again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    engine(db, clock).tick()
    assert _incidents(db) == 1
    assert [who for _, who in pages(db, first.json()["id"])] == ["ann"]


def test_the_same_key_with_another_body_is_a_422_naming_the_key(
    client: TestClient, tokens: dict[str, str], db: Database, org: None
) -> None:
    headers = {**bearer(tokens["responder"]), "Idempotency-Key": "key-1"}
    first = client.post("/api/v1/incidents", json=BODY, headers=headers)
    assert first.status_code == 201, first.text
    other = client.post("/api/v1/incidents", json={**BODY, "severity": "sev2"}, headers=headers)
    assert other.status_code == 422, other.text
    [problem] = other.json()["error"]["fields"]
    assert problem["field"] == "Idempotency-Key"
    assert f"incident {first.json()['id']}" in problem["message"]
    assert _incidents(db) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service": "nowhere"}, "service"),
        ({"title": ""}, "title"),
        ({"title": "t" * 1025}, "title"),
        ({"severity": "critical"}, "severity"),
        ({"priority": "p9"}, "priority"),
        ({"title": "nul \u0000 here"}, "title"),
    ],
)
def test_bad_fields_are_a_422_naming_each_with_nothing_stored(
    client: TestClient, tokens: dict[str, str], db: Database, org: None, change: dict, field: str
) -> None:
    answer = client.post(
        "/api/v1/incidents", json={**BODY, **change}, headers=bearer(tokens["responder"])
    )
    assert answer.status_code == 422, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]
    assert (_incidents(db), _outbox(db)) == (0, 0)


def test_a_missing_title_and_an_unknown_field_are_422(
    client: TestClient, tokens: dict[str, str], db: Database, org: None
) -> None:
    answer = client.post(
        "/api/v1/incidents",
        json={"service": "api", "colour": "red"},
        headers=bearer(tokens["responder"]),
    )
    assert answer.status_code == 422
    assert {f["field"] for f in answer.json()["error"]["fields"]} == {"title", "colour"}
    assert _incidents(db) == 0


def test_declaring_needs_a_credential_and_the_responder_role(
    client: TestClient, tokens: dict[str, str], db: Database, org: None
) -> None:
    assert client.post("/api/v1/incidents", json=BODY).status_code == 401
    viewer = client.post("/api/v1/incidents", json=BODY, headers=bearer(tokens["viewer"]))
    assert viewer.status_code == 403
    assert _incidents(db) == 0
