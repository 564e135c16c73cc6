"""The incident page's Roles, Impact and Responders cards: viewers see them, responders act
through CSRF-guarded forms (source ui on the timeline); a person answers their own request to
join from the page; bad input comes back on the page as a 422 with nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import IncidentImpact, ResponderRequest
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.adapters.web.roles_setup import organise
from tests.adapters.web.test_incident_roles_api import entries
from tests.adapters.web.test_overview import fire
from tests.adapters.web.test_pages import text_of


@pytest.fixture
def incident(db: Database, clock: FakeClock) -> int:
    organise(db, clock)
    with db.transaction() as session:
        for username, role, person in (
            ("ann-web", "responder", "ann"),
            ("bob-web", "viewer", "bob"),
        ):
            auth.create_user(
                session, username=username, password="correct horse battery", role=role,
                actor="test", now=clock.now(), person_handle=person,
            )  # fmt: skip
    return fire(db, clock, "checkout", "critical", "checkout: card payments failing")


def log_in(client: TestClient, db: Database, clock: FakeClock, username: str) -> str:
    with db.transaction() as session:
        user = auth.authenticate(session, username, "correct horse battery")
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, started.cookie)
    return csrf_token_for(started.cookie)


def test_a_responder_assigns_edits_impact_flags_security_and_asks_for_help_from_the_page(
    client: TestClient, db: Database, clock: FakeClock, incident: int
) -> None:
    csrf = log_in(client, db, clock, "ann-web")
    page = client.get(f"/incidents/{incident}")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Roles Incident commander Unclaimed" in shown
    assert "Communications owner Bob Baker · backup Cy Chen" in shown
    assert "Nobody asked to join yet." in shown
    posted = client.post(
        f"/incidents/{incident}/roles",
        data={"role": "commander", "person": "ann", "backup": "cy", "csrf_token": csrf},
    )
    assert posted.status_code == 200 and posted.url.path == f"/incidents/{incident}"
    assert "Incident commander Ann Archer · backup Cy Chen Your instructions" in text_of(
        posted.text
    )
    bad = client.post(
        f"/incidents/{incident}/impact", data={"users_share": "140", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    assert "users_share" in text_of(bad.text)
    with db.read() as session:
        assert session.get(IncidentImpact, incident) is None
    saved = client.post(
        f"/incidents/{incident}/impact",
        data={"users_share": "12.5", "triage": "annoying", "applications": "Checkout, Wallet",
              "runbook_used": "on", "csrf_token": csrf},
    )  # fmt: skip
    assert saved.status_code == 200
    assert "Triage annoying Users 12.5%" in text_of(saved.text)
    assert "Apps Checkout, Wallet" in text_of(saved.text)
    flagged = client.post(
        f"/incidents/{incident}/security", data={"flag": "on", "csrf_token": csrf}
    )
    assert "Security or personal data involved" in text_of(flagged.text)
    asked = client.post(
        f"/incidents/{incident}/responders",
        data={"person": "bob", "message": "Check the ledger", "csrf_token": csrf},
    )
    assert "Bob Baker requested" in text_of(asked.text)
    kinds = ("role", "impact", "security", "responder_requested")
    assert [e[1] for e in entries(db, incident, *kinds)] == ["system", "ui", "ui", "ui", "ui"]
    no_csrf = client.post(
        f"/incidents/{incident}/roles", data={"role": "commander", "person": "bob"}
    )
    assert no_csrf.status_code == 403


def test_a_viewer_sees_the_cards_without_forms_and_answers_their_own_request(
    client: TestClient, db: Database, clock: FakeClock, incident: int
) -> None:
    csrf = log_in(client, db, clock, "ann-web")
    client.post(
        f"/incidents/{incident}/responders",
        data={"person": "bob", "message": "Help", "csrf_token": csrf},
    )
    client.cookies.clear()
    csrf = log_in(client, db, clock, "bob-web")
    page = client.get(f"/incidents/{incident}")
    assert f'action="/incidents/{incident}/roles"' not in page.text
    assert "You are asked to join: “Help”" in text_of(page.text)
    refused = client.post(
        f"/incidents/{incident}/roles",
        data={"role": "commander", "person": "bob", "csrf_token": csrf},
    )
    assert refused.status_code == 403
    answered = client.post(
        f"/incidents/{incident}/responders/answer", data={"answer": "decline", "csrf_token": csrf}
    )
    assert answered.status_code == 200
    with db.read() as session:
        assert session.scalars(select(ResponderRequest.state)).all() == ["declined"]
    assert entries(db, incident, "responder_declined") == [
        ("responder_declined", "ui", "Bob Baker declined the request to join")
    ]
