"""The public report form, /report/{form}, with no login: an open form takes a report, which
opens an incident on the chosen service and pages its on-call; a protected form needs the
token of its link; a post without the form's CSRF cookie, over the rate limits, with a field
missing or too large is refused (403, 429, 422, 413), with nothing stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.incidents.models import (
    Incident,
    IncidentImpact,
    ReportSubmission,
    TimelineEntry,
)
from onwatch.notifications.models import Notification
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.integration.escalation.helpers import ORG, engine, load, pages

TOKEN = "relay-partners-5b0f6f0c2a9e4d1b"
FORMS = """\
report_forms:
  - {name: support, team: ops, services: [api, unpaged], per_hour: 3, per_address: 2}
  - name: partners
    team: ops
    title: Report a partner incident
    token: env:TEST_REPORT_TOKEN
    services: [api]
    default_severity: sev2
"""
REPORT = {
    "name": "Rosa Delgado",
    "email": "rosa@example.com",
    "service": "api",
    "what": "Claims stay pending for an hour\nSince 09:40, every claim we submit.",
    "users": "120",
}


@pytest.fixture
def forms(db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_REPORT_TOKEN", TOKEN)
    load(db, clock, ORG + FORMS)


def csrf_of(client: TestClient, path: str) -> str:
    shown = client.get(path)
    assert shown.status_code == 200, shown.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
    assert found is not None
    return found.group(1)


def send(client: TestClient, form: str, **changes: str) -> object:
    token = changes.pop("token", "")
    csrf = csrf_of(client, f"/report/{form}" + (f"?token={token}" if token else ""))
    data = {**REPORT, "csrf_token": csrf, **changes}
    if token:
        data["token"] = token
    return client.post(f"/report/{form}", data=data, follow_redirects=False)


def count(db: Database, *models: type) -> tuple[int, ...]:
    with db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0 for model in models
        )


STORED = (Incident, TimelineEntry, ReportSubmission, IncidentImpact, Notification)


def test_a_report_through_an_open_form_opens_an_incident_that_pages_the_on_call(
    client: TestClient, db: Database, clock: FakeClock, forms: None
) -> None:
    sent = send(client, "support")
    assert sent.status_code == 303, sent.text
    thanks = client.get(sent.headers["location"])
    assert thanks.status_code == 200
    with db.read() as session:
        incident = session.scalars(select(Incident)).one()
        assert f"incident {incident.id}" in thanks.text
        assert "Claims stay pending" not in thanks.text  # no internal details
        assert (incident.title, incident.severity, incident.status) == (
            "Claims stay pending for an hour", "sev3", "triggered",
        )  # fmt: skip
        entries = session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.incident_id == incident.id, TimelineEntry.actor != "escalation"
            ).order_by(TimelineEntry.id)
        ).all()  # fmt: skip
        assert [(e.kind, e.actor, e.source) for e in entries] == [
            ("opened", "report:support", "report"),
            ("report", "report:support", "report"),
        ]
        assert entries[1].text.startswith("Report from Rosa Delgado <rosa@example.com> (120 users")
        assert "Since 09:40, every claim we submit." in entries[1].text
        impact = session.get_one(IncidentImpact, incident.id)
        assert (impact.users_count, impact.users_share) == (120, None)
        [audit] = session.scalars(select(AuditEntry).where(AuditEntry.action == "incident.report"))
        assert audit.actor == "report:support"
        incident_id = incident.id
    engine(db, clock).tick()
    assert [who for _, who in pages(db, incident_id)] == ["ann"]


def test_a_share_of_users_is_kept_as_a_share(client: TestClient, db: Database, forms: None) -> None:
    assert send(client, "support", users="15 %").status_code == 303
    with db.read() as session:
        impact = session.scalars(select(IncidentImpact)).one()
        assert (impact.users_count, impact.users_share) == (None, 15.0)


def test_a_protected_form_needs_the_token_of_its_link(
    client: TestClient, db: Database, forms: None
) -> None:
    assert client.get("/report/partners").status_code == 403
    assert client.get("/report/partners?token=wrong").status_code == 403
    shown = client.get(f"/report/partners?token={TOKEN}")
    assert shown.status_code == 200
    assert f'name="token" value="{TOKEN}"' in shown.text
    assert "Report a partner incident" in shown.text
    csrf = csrf_of(client, f"/report/partners?token={TOKEN}")
    refused = client.post("/report/partners", data={**REPORT, "csrf_token": csrf, "token": "guess"})
    assert refused.status_code == 403
    assert count(db, *STORED) == (0, 0, 0, 0, 0)
    sent = send(client, "partners", token=TOKEN)
    assert sent.status_code == 303, sent.text
    with db.read() as session:
        assert session.scalars(select(Incident.severity)).one() == "sev2"


def test_a_post_without_the_forms_csrf_cookie_is_refused(
    client: TestClient, db: Database, forms: None
) -> None:
    missing = client.post("/report/support", data=REPORT)
    assert missing.status_code == 403
    assert "Nothing was sent" in missing.text
    csrf_of(client, "/report/support")  # the cookie is set, but the post does not carry it
    forged = client.post("/report/support", data={**REPORT, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert count(db, *STORED) == (0, 0, 0, 0, 0)


def test_reports_over_the_limit_per_address_are_a_429_with_retry_after(
    client: TestClient, db: Database, clock: FakeClock, forms: None
) -> None:
    for _ in range(2):
        assert send(client, "support").status_code == 303
        clock.advance(timedelta(minutes=10))
    limited = send(client, "support")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) == 40 * 60 + 1
    assert count(db, Incident) == (2,)
    clock.advance(timedelta(minutes=41))
    assert send(client, "support").status_code == 303


def test_reports_over_the_forms_limit_are_a_429(
    db: Database, clock: FakeClock, settings: Settings, forms: None
) -> None:
    def client_at(host: str) -> TestClient:
        """The app as a browser at another address sees it."""
        ctx = AppContext(db=db, settings=settings, clock=clock)
        return TestClient(create_app(ctx), client=(host, 5000))

    for host, reports in (("192.0.2.1", 2), ("192.0.2.2", 1)):
        with client_at(host) as browser:
            for _ in range(reports):
                assert send(browser, "support").status_code == 303
    with client_at("192.0.2.3") as browser:
        limited = send(browser, "support")
    assert limited.status_code == 429
    assert "this form sent 3 reports" in limited.text
    assert count(db, Incident) == (3,)


@pytest.mark.parametrize("field", ["name", "email", "service", "what", "users"])
def test_a_missing_field_is_a_422_naming_it_with_nothing_stored(
    client: TestClient, db: Database, forms: None, field: str
) -> None:
    refused = send(client, "support", **{field: ""})
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text
    assert 'value="rosa@example.com"' in refused.text or field == "email"
    assert count(db, *STORED) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"service": "queue"}, "service"),
        ({"users": "lots"}, "users"),
        ({"users": "140%"}, "users"),
    ],
)
def test_a_bad_field_is_a_422_naming_it(
    client: TestClient, db: Database, forms: None, changes: dict, field: str
) -> None:
    refused = send(client, "support", **changes)
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text
    assert count(db, Incident) == (0,)


def test_a_body_too_large_is_a_413_with_nothing_stored(
    client: TestClient, db: Database, forms: None
) -> None:
    refused = send(client, "support", what="x" * 40_000)
    assert refused.status_code == 413
    assert count(db, *STORED) == (0, 0, 0, 0, 0)


def test_an_unknown_form_is_a_404(client: TestClient, forms: None) -> None:
    assert client.get("/report/nowhere").status_code == 404
    assert client.post("/report/nowhere", data=REPORT).status_code in (403, 404)
