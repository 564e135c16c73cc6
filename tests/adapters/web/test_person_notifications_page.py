"""The person page lists contact methods (numbered, those never paged marked), the rules of each
urgency, the no-rules warning, and a test-notification button: a person may test their own,
an admin anyone's; the form needs its CSRF token, writes kind='test' outbox rows and is audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory import actions
from onwatch.directory.specs import (
    ContactMethodSpec,
    NotificationRuleSpec,
    NotificationRulesSpec,
    PersonSpec,
)
from onwatch.notifications.models import Notification
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.adapters.web.test_pages import text_of

ANN = PersonSpec(
    handle="ann",
    name="Ann Archer",
    email="ann@example.org",
    contact_methods=[
        ContactMethodSpec(type="ntfy", address="https://ntfy.example.org/ann-9f2c", label="push"),
        ContactMethodSpec(type="slack", address="U0ANN", label="chat"),
    ],
    notification_rules=NotificationRulesSpec(
        high=[
            NotificationRuleSpec(contact="push"),
            NotificationRuleSpec(contact="email", after=timedelta(minutes=5)),
        ]
    ),
)
BOB = PersonSpec(handle="bob", name="Bob Baker", email="bob@example.org")


def _setup(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        for person in (ANN, BOB):
            actions.put_person(session, person, actor="test", now=clock.now())
        for username, role, handle in (("ann-web", "viewer", "ann"), ("boss", "admin", None)):
            auth.create_user(
                session, username=username, password="correct horse battery", role=role,
                actor="test", now=clock.now(), person_handle=handle,
            )  # fmt: skip


def _log_in(client: TestClient, db: Database, clock: FakeClock, username: str) -> str:
    with db.transaction() as session:
        user = auth.authenticate(session, username, "correct horse battery")
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, started.cookie)
    return csrf_token_for(started.cookie)


def _tests(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as session:
        return [
            (r.kind, r.label, r.payload["requested_by"])
            for r in session.scalars(select(Notification).order_by(Notification.id))
        ]


def test_the_person_page_shows_methods_rules_and_the_no_rules_warning(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    _setup(db, clock)
    _log_in(client, db, clock, "ann-web")
    ann = text_of(client.get("/people/ann").text)
    assert "1. ntfy https://ntfy.example.org/ann-9f2c (push)" in ann
    assert "2. slack U0ANN (chat) never paged" in ann
    assert "2 (slack) is never paged: a Slack member id is shown to people" in ann
    assert "High urgency at once: ntfy (push) after 5m: email" in ann
    assert "Low urgency E-mail at once (no low-urgency rules)." in ann
    assert "No notification rules" not in ann
    assert "Send me a test notification" in ann
    bob = text_of(client.get("/people/bob").text)
    assert "No notification rules: a page reaches Bob Baker by one e-mail to bob@example.org" in bob
    assert "test notification" not in bob  # a viewer may test only their own


def test_a_person_tests_their_own_methods_with_the_csrf_guarded_form(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    _setup(db, clock)
    csrf = _log_in(client, db, clock, "ann-web")
    refused = client.post("/people/ann/test-notification", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert _tests(db) == []
    sent = client.post(
        "/people/ann/test-notification", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert (sent.status_code, sent.headers["location"]) == (
        303,
        "/people/ann?sent=2#notifications",
    )
    assert _tests(db) == [
        ("test", "Ann Archer by email (test)", "user:ann-web"),
        ("test", "Ann Archer by ntfy (push) (test)", "user:ann-web"),
    ]
    assert "2 test notifications on the way" in text_of(client.get(sent.headers["location"]).text)
    other = client.post("/people/bob/test-notification", data={"csrf_token": csrf})
    assert other.status_code == 403
    with db.read() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "person.test_notification")
        )
    assert (entry.actor, entry.entity_key, entry.after) == (
        "user:ann-web",
        "ann",
        {"to": ["email", "ntfy (push)"]},
    )


def test_an_admin_tests_anyones_single_method(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    _setup(db, clock)
    csrf = _log_in(client, db, clock, "boss")
    bob = text_of(client.get("/people/bob").text)
    assert "Send a test notification" in bob and "Send me" not in bob
    sent = client.post(
        "/people/ann/test-notification",
        data={"csrf_token": csrf, "method": "1"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert _tests(db) == [("test", "Ann Archer by ntfy (push) (test)", "user:boss")]
    bad = client.post("/people/ann/test-notification", data={"csrf_token": csrf, "method": "2"})
    assert bad.status_code == 422
    assert "contact method 2 cannot be paged" in text_of(bad.text)
