"""Plays (seed 001): "save as a play" turns an incident's resolution into a runbook of its
service, suggested on that service's next incidents (API and page), once per incident, audited."""

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
from onwatch.directory.actions import put_service, put_team
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec, TeamSpec
from tests.adapters.web.test_incident_lifecycle_pages import csrf
from tests.adapters.web.test_pages import sign_in
from tests.conftest import bearer


@pytest.fixture
def fire(db: Database, clock: FakeClock) -> Any:
    with db.transaction() as session:
        put_team(session, TeamSpec(name="ops"), actor="test", now=clock.now())
        put_service(session, ServiceSpec(name="reader", team="ops"), actor="test", now=clock.now())
        put_service(session, ServiceSpec(name="writer"), actor="test", now=clock.now())

    def go(key: str, service: str = "reader") -> int:
        event = AlertEvent("trigger", key, summary=f"{key} is broken", severity="warning")
        with db.transaction() as session:
            [outcome] = ingest(
                session, [Routed(get_service(session, service).id, service, event)],
                integration_id=None, now=clock.advance(timedelta(minutes=1)),
            )  # fmt: skip
        assert outcome.incident_id is not None
        return outcome.incident_id

    return go


def test_a_saved_play_is_suggested_on_the_services_next_incident(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder, viewer = bearer(tokens["responder"]), bearer(tokens["viewer"])
    first = fire("cache")
    client.post(f"/api/v1/incidents/{first}/resolve", headers=responder)
    fixed = "## Resolution\n\nFlushed the cache on every node.\n"
    put = client.put(
        f"/api/v1/incidents/{first}/postmortem", json={"markdown": f"# PM\n\n{fixed}"},
        headers=responder,
    )  # fmt: skip
    assert put.status_code == 200, put.text
    url = f"/api/v1/incidents/{first}/plays"
    assert client.post(url, json={}, headers=viewer).status_code == 403
    saved = client.post(url, json={"title": "Cache stuck"}, headers=responder)
    assert saved.status_code == 201, saved.text
    play = saved.json()
    assert (play["service"], play["title"], play["incident_id"]) == ("reader", "Cache stuck", first)
    assert "Flushed the cache on every node." in play["markdown"]
    again = client.post(url, json={}, headers=responder)
    assert again.status_code == 409
    assert client.get(url, headers=viewer).json()["items"] == []  # not suggested to itself

    second, elsewhere = fire("cache-again"), fire("disk", service="writer")
    suggested = client.get(f"/api/v1/incidents/{second}/plays", headers=viewer).json()["items"]
    assert [p["id"] for p in suggested] == [play["id"]]
    assert client.get(f"/api/v1/incidents/{elsewhere}/plays", headers=viewer).json()["items"] == []
    assert client.get(f"/api/v1/plays/{play['id']}", headers=viewer).json() == play
    assert client.get("/api/v1/plays/999999", headers=viewer).status_code == 404
    assert client.get("/api/v1/incidents/999999/plays", headers=viewer).status_code == 404
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "postmortem.play" in actions


def test_save_as_a_play_from_the_post_mortem_page_and_see_it_on_the_next_incident(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    first = fire("cache")
    sign_in(client, db, clock, role="responder")
    editor = client.get(f"/incidents/{first}/postmortem").text
    assert "Save as a play" in editor
    saved = client.post(
        f"/incidents/{first}/plays", data={"csrf_token": csrf(editor), "title": "Cache stuck"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    assert "Saved as the play" in client.get(f"/incidents/{first}/postmortem").text
    client.post(f"/incidents/{first}/resolve", data={"csrf_token": csrf(editor)})
    second = fire("cache-again")
    assert second != first
    page = client.get(f"/incidents/{second}").text
    assert f'hx-get="/incidents/{second}/plays"' in page
    card = client.get(f"/incidents/{second}/plays").text
    assert "Cache stuck" in card and f"(from #{first})" in card
    play_id = card.split('href="/plays/')[1].split('"')[0]
    shown = client.get(f"/plays/{play_id}")
    assert shown.status_code == 200 and "Play: Cache stuck" in shown.text
