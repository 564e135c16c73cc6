"""The "Declare an incident" page: a button on the incident list for responders, a CSRF-guarded
form that opens the incident (source ui) and pages the on-call, once even when sent twice; a bad
field re-renders the form naming it; viewers get neither the button nor the page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from tests.adapters.web.test_pages import sign_in
from tests.integration.escalation.helpers import engine, load, pages


@pytest.fixture
def org(db: Database, clock: FakeClock) -> None:
    load(db, clock)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def incidents(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


def test_a_responder_declares_from_the_list_and_the_on_call_is_paged_once(
    client: TestClient, db: Database, clock: FakeClock, org: None
) -> None:
    sign_in(client, db, clock, role="responder")
    assert 'href="/incidents/new">Declare incident</a>' in client.get("/incidents").text
    form = client.get("/incidents/new")
    assert form.status_code == 200
    data = {
        "csrf_token": hidden(form.text, "csrf_token"),
        "key": hidden(form.text, "key"),
        "service": "api",
        "title": "Checkout fails for everyone",
        "severity": "sev1",
        "priority": "p1",
        "summary": "Orders fail at payment.",
    }
    made = client.post("/incidents/new", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text
    again = client.post("/incidents/new", data=data, follow_redirects=False)  # a double click
    assert again.headers["location"] == made.headers["location"]
    assert incidents(db) == 1
    shown = client.get(made.headers["location"])
    assert "Declared from the web UI: Checkout fails for everyone" in shown.text
    with db.read() as session:
        incident = session.scalars(select(Incident)).one()
        assert (incident.severity, incident.priority) == ("sev1", "p1")
        opened = select(TimelineEntry.source).where(TimelineEntry.kind == "opened")
        assert session.scalar(opened) == "ui"
    engine(db, clock).tick()
    assert [who for _, who in pages(db, incident.id)] == ["ann"]


def test_the_form_needs_its_csrf_token(
    client: TestClient, db: Database, clock: FakeClock, org: None
) -> None:
    sign_in(client, db, clock, role="responder")
    refused = client.post("/incidents/new", data={"service": "api", "title": "Down"})
    assert refused.status_code == 403
    assert incidents(db) == 0


def test_a_bad_field_re_renders_the_form_naming_it(
    client: TestClient, db: Database, clock: FakeClock, org: None
) -> None:
    sign_in(client, db, clock, role="responder")
    form = client.get("/incidents/new").text
    refused = client.post(
        "/incidents/new",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "key": hidden(form, "key"),
            "service": "api",
            "title": "   ",
            "summary": "kept as typed",
        },
    )
    assert refused.status_code == 422
    assert 'id="title-error"' in refused.text
    assert "kept as typed" in refused.text
    assert incidents(db) == 0


def test_viewers_get_neither_the_button_nor_the_page(
    client: TestClient, db: Database, clock: FakeClock, org: None
) -> None:
    sign_in(client, db, clock)
    assert "/incidents/new" not in client.get("/incidents").text
    assert client.get("/incidents/new").status_code == 403
