"""Seed playbook 002's post-mortem process, end to end: after a critical outage of the kiosk,
the post-mortem is generated from the incident and published, and the review meeting is
scheduled: its iCalendar invitation reaches the incident commander, the service's owner (the
team's tech lead) and the client by e-mail (STARTTLS, login); moving it sends SEQUENCE 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Person, Service
from onwatch.incidents.models import Incident, IncidentRole, TimelineEntry
from tests.conftest import bearer
from tests.receivers import Mail
from tests.scenarios.paging import Mailer, Pager, apply_example, quiet

OPENED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def resolved_outage(db: Database) -> int:
    """The kiosk's critical outage, commanded by Ingrid, acknowledged and resolved."""
    with db.transaction() as session:
        kiosk = session.scalars(select(Service).where(Service.name == "arrival-kiosk")).one()
        ingrid = session.scalars(select(Person).where(Person.handle == "ingrid")).one()
        incident = Incident(
            service_id=kiosk.id, title="Kiosk check-in down", severity="sev1", status="resolved",
            opened_at=OPENED, acknowledged_at=OPENED + timedelta(minutes=9),
            resolved_at=OPENED + timedelta(hours=2), summary="Kiosks could not check patients in.",
        )  # fmt: skip
        session.add(incident)
        session.flush()
        session.add(IncidentRole(incident_id=incident.id, role="commander", person_id=ingrid.id))
        for at, kind, text in (
            (OPENED, "opened", "Opened: Kiosk check-in down"),
            (OPENED + timedelta(minutes=9), "acknowledged", "Acknowledged"),
            (OPENED + timedelta(hours=2), "resolved", "Resolved"),
        ):
            session.add(TimelineEntry(incident_id=incident.id, at=at, kind=kind,
                                      actor="user:ingrid", source="ui", text=text))  # fmt: skip
        return incident.id


def invitation(mail: Mail) -> tuple[str, Calendar]:
    [part] = [p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return part.get_param("method"), event


def test_the_review_of_a_critical_outage_is_published_and_its_invitation_reaches_everyone(
    db: Database, clock: FakeClock, settings: Settings, client: TestClient,
    tokens: dict[str, str], mailer: Mailer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for handle in ("ingrid", "dmitri", "paloma"):  # their phones' push topics; nobody is paged
        monkeypatch.setenv(f"{handle.upper()}_NTFY_TOPIC_URL", f"http://127.0.0.1:9/{handle}")
    apply_example(db, "002-check-in.yaml")
    clock.set(OPENED + timedelta(hours=3))
    incident = resolved_outage(db)
    responder = bearer(tokens["responder"])
    pm = client.get(f"/api/v1/incidents/{incident}/postmortem", headers=responder).json()
    assert "- **Time to acknowledge:** 9 min" in pm["markdown"]
    assert "- **Time to resolve:** 2 h" in pm["markdown"]
    assert "Commander: Ingrid Sørensen." in pm["markdown"]
    published = client.post(f"/api/v1/incidents/{incident}/postmortem/publish", headers=responder)
    assert published.json()["state"] == "published"

    pager = Pager(db, clock, settings, mailer)
    review = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    scheduled = client.put(
        f"/api/v1/incidents/{incident}/review-meeting",
        json={"starts_at": review.isoformat(), "duration_minutes": 30,
              "attendees": ["client@va.example.gov"]},
        headers=responder,
    )  # fmt: skip
    assert scheduled.status_code == 200, scheduled.text
    pager.at(clock.now())
    mails = {m.envelope_to[0]: m for m in mailer.take(3)}
    assert sorted(mails) == ["client@va.example.gov", "dmitri@example.org", "ingrid@example.org"]
    method, event = invitation(mails["dmitri@example.org"])
    assert (method, event["SEQUENCE"], event.decoded("DTSTART")) == ("REQUEST", 0, review)
    # Written by the web process: its sender and its address.
    assert str(event["ORGANIZER"]).startswith("mailto:onwatch@")
    link = f"{settings.resolved_base_url()}/incidents/{incident}/postmortem"
    assert link in str(event["DESCRIPTION"])
    quiet(mailer)

    moved = client.put(
        f"/api/v1/incidents/{incident}/review-meeting",
        json={"starts_at": (review + timedelta(days=1)).isoformat(), "duration_minutes": 30,
              "attendees": ["client@va.example.gov"]},
        headers=responder,
    )  # fmt: skip
    assert moved.json()["sequence"] == 1
    pager.at(clock.now() + timedelta(seconds=1))
    for mail in mailer.take(3):
        method, again = invitation(mail)
        assert (method, str(again["UID"]), again["SEQUENCE"]) == ("REQUEST", str(event["UID"]), 1)
