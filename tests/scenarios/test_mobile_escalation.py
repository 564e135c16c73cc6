"""Seed playbook 001's paging: the team answers only in business hours (Monday to Friday, 9 am
Eastern to 5 pm Pacific), so a low-urgency incident on a Friday evening pages nobody until
coverage begins on Monday at 09:00 Eastern."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.notifications.models import Notification
from onwatch.schedules.lookups import on_call_at
from tests.integration.escalation.helpers import engine, open_on, pages, timeline
from tests.scenarios.conftest import Ask

NY = ZoneInfo("America/New_York")


def test_a_friday_evening_incident_waits_for_monday_morning(
    example: Callable[[str], Ask], db: Database, clock: FakeClock
) -> None:
    example("001-mobile.yaml")
    friday = datetime(2026, 3, 13, 20, 0, tzinfo=NY)
    monday = datetime(2026, 3, 16, 9, 0, tzinfo=NY)
    incident = open_on(db, "mobile-app", friday, "sev2")
    run = engine(db, clock)
    run.tick(friday)
    assert timeline(db, incident, "escalation")[-1] == (
        "Low urgency outside the service's hours: held until Mon 2026-03-16 09:00 EDT"
    )
    run.tick(friday + timedelta(hours=12))
    run.tick(monday - timedelta(seconds=1))
    assert pages(db, incident) == []
    run.tick(monday)
    # The week's on-call engineer and the incident commander, each once, with low urgency.
    with db.read() as session:
        [on_call] = on_call_at(session, "mobile-on-call", monday, "primary")
        urgencies = set(
            session.scalars(
                select(Notification.urgency).where(Notification.incident_id == incident)
            )
        )
    assert [who for _, who in pages(db, incident)] == [on_call.holder, "lena"]
    assert urgencies == {"low"}
    run.tick(monday + timedelta(hours=3))
    assert len(pages(db, incident)) == 2  # low urgency never escalates
