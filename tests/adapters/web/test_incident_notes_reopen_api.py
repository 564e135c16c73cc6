"""Notes and reopening over the API: responders only, audited, on the timeline; bad notes are a
422 naming `text`; reopening what is not resolved, or what another open incident of the same
service and group has replaced, is a 409 that says so; unknown incidents are 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.incidents.models import TimelineEntry
from tests.conftest import bearer


@pytest.fixture
def fire(db: Database, clock: FakeClock) -> Any:
    """fire(key) -> the id of the incident alert `key` of service `reader` opens or joins."""
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        service_id = get_service(session, "reader").id

    def go(key: str) -> int:
        event = AlertEvent("trigger", key, summary=f"{key} is broken", severity="error")
        with db.transaction() as session:
            [outcome] = ingest(
                session,
                [Routed(service_id, "reader", event)],
                integration_id=None,
                now=clock.advance(timedelta(minutes=1)),
            )
        assert outcome.incident_id is not None
        return outcome.incident_id

    return go


def audit(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_responder_adds_a_note_that_lands_on_the_timeline_and_in_the_audit_log(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    incident = fire("disk")
    url = f"/api/v1/incidents/{incident}/notes"
    made = client.post(
        url,
        json={"text": "  Replica lag 40 s; failing over.  "},
        headers=bearer(tokens["responder"]),
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind"], body["text"], body["actor"], body["actor_name"]) == (
        "note",
        "Replica lag 40 s; failing over.",
        "token:test-responder",
        "token test-responder",
    )
    detail = client.get(f"/api/v1/incidents/{incident}", headers=bearer(tokens["viewer"])).json()
    assert [e["text"] for e in detail["timeline"] if e["kind"] == "note"] == [
        "Replica lag 40 s; failing over."
    ]
    [entry] = audit(db, "incident.note")
    assert (entry.entity_key, entry.actor) == (str(incident), "token:test-responder")
    assert entry.after == {"entry": body["id"], "text": "Replica lag 40 s; failing over."}


def test_notes_need_the_responder_role_and_an_incident_that_exists(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    incident = fire("disk")
    url = f"/api/v1/incidents/{incident}/notes"
    assert client.post(url, json={"text": "hi"}).status_code == 401
    refused = client.post(url, json={"text": "hi"}, headers=bearer(tokens["viewer"]))
    assert refused.status_code == 403
    missing = client.post(
        "/api/v1/incidents/9999/notes", json={"text": "hi"}, headers=bearer(tokens["responder"])
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert audit(db, "incident.note") == []


# As sent on the wire: JSON's \u escapes can carry a NUL or half a surrogate pair, which
# PostgreSQL would refuse to store.
@pytest.mark.parametrize(
    "text", ['""', '"   \\n "', f'"{"x" * 10_001}"', '"nul \\u0000 byte"', '"half \\ud800"']
)
def test_a_bad_note_is_a_422_naming_text_and_stores_nothing(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database, text: str
) -> None:
    incident = fire("disk")
    response = client.post(
        f"/api/v1/incidents/{incident}/notes",
        content=f'{{"text": {text}}}',
        headers={**bearer(tokens["responder"]), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["text"]
    with db.read() as session:
        kinds = session.scalars(select(TimelineEntry.kind)).all()
    assert "note" not in kinds and audit(db, "incident.note") == []


def test_reopen_brings_a_resolved_incident_back_acknowledged_if_it_ever_was(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder = bearer(tokens["responder"])
    acked = fire("disk")
    for verb in ("acknowledge", "resolve"):
        assert (
            client.post(f"/api/v1/incidents/{acked}/{verb}", headers=responder).status_code == 200
        )
    never = fire("cpu")  # a new incident of the service, since the first is resolved
    assert client.post(f"/api/v1/incidents/{never}/resolve", headers=responder).status_code == 200

    reopened = client.post(f"/api/v1/incidents/{never}/reopen", headers=responder)
    assert reopened.status_code == 200, reopened.text
    incident = reopened.json()["incident"]
    assert (incident["status"], incident["resolved_at"]) == ("triggered", None)
    assert client.post(f"/api/v1/incidents/{never}/resolve", headers=responder).status_code == 200
    again = client.post(f"/api/v1/incidents/{acked}/reopen", headers=responder).json()
    assert again["incident"]["status"] == "acknowledged"

    detail = client.get(f"/api/v1/incidents/{acked}", headers=responder).json()
    assert [e["kind"] for e in detail["timeline"]][-2:] == ["resolved", "reopened"]
    assert [(e.entity_key, e.before, e.after) for e in audit(db, "incident.reopen")] == [
        (str(never), {"status": "resolved"}, {"status": "triggered"}),
        (str(acked), {"status": "resolved"}, {"status": "acknowledged"}),
    ]


def test_reopen_is_a_clear_409_when_not_resolved_or_when_another_incident_holds_the_group(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder = bearer(tokens["responder"])
    first = fire("disk")
    open_one = client.post(f"/api/v1/incidents/{first}/reopen", headers=responder)
    assert open_one.status_code == 409
    assert "cannot be reopened (only a resolved or closed one can)" in (
        open_one.json()["error"]["message"]
    )

    assert client.post(f"/api/v1/incidents/{first}/resolve", headers=responder).status_code == 200
    second = fire("disk")  # the monitor fires again: a new incident takes the service's group
    assert second != first
    taken = client.post(f"/api/v1/incidents/{first}/reopen", headers=responder)
    assert taken.status_code == 409, taken.text
    message = taken.json()["error"]["message"]
    assert f"incident {second} is open for the same service and group" in message
    assert audit(db, "incident.reopen") == []

    assert client.post(f"/api/v1/incidents/{first}/reopen").status_code == 401
    viewer = client.post(f"/api/v1/incidents/{first}/reopen", headers=bearer(tokens["viewer"]))
    assert viewer.status_code == 403
    missing = client.post("/api/v1/incidents/9999/reopen", headers=responder)
    assert missing.status_code == 404
