"""Seed playbook 002's paging, end to end: the kiosk's monitor posts an alert to the generic
intake, the engine (real senders, a fake clock) pages the primary's phone through ntfy at once
and by e-mail five minutes later (over STARTTLS with a login), and, unacknowledged by the
deadline the calendar sets (15 minutes in business hours, 60 outside: nights, weekends, US
holidays), records an SLA breach and pages the secondary the same way. Acknowledging through
the signed link in the secondary's push stops everything still to come."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.incidents.models import TimelineEntry
from onwatch.schedules.lookups import on_call_at
from tests import shapes
from tests.integration.escalation.helpers import breaches, timeline
from tests.receivers import HttpReceiver, receiving
from tests.scenarios.paging import (
    Mailer,
    Pager,
    ack_link,
    alert,
    apply_example,
    incident_of,
    press,
    quiet,
)  # fmt: skip

NY = ZoneInfo("America/New_York")
ENGINEERS = ("dmitri", "ingrid", "paloma")
SECOND = timedelta(seconds=1)
MINUTES = timedelta(minutes=1)


@pytest.fixture
def ntfy(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    """One ntfy server; each engineer's topic URL (a secret in the example) points at it."""
    with receiving(shapes.ntfy) as server:
        for handle in ENGINEERS:
            monkeypatch.setenv(f"{handle.upper()}_NTFY_TOPIC_URL", f"{server.url}{handle}-pager")
        yield server


def holder(db: Database, role: str, at: datetime) -> str:
    with db.read() as session:
        [found] = on_call_at(session, "check-in-oncall", at, role)
    assert found.holder is not None
    return found.holder


def start(db: Database, client: TestClient, at: datetime, clock: FakeClock) -> int:
    keys = apply_example(db, "002-check-in.yaml")
    clock.set(at)
    alert(client, keys["kiosk-monitor"], "Kiosk check-in fails for every clinic", "critical")
    return incident_of(db, "arrival-kiosk")


def pushed_to(ntfy: HttpReceiver) -> str:
    [push] = ntfy.take(1)
    body = push.json()
    assert body["priority"] == 5  # high urgency: the phone rings through do-not-disturb
    return str(body["topic"]).removesuffix("-pager")


@pytest.mark.parametrize(
    ("at", "deadline"),
    [
        (datetime(2026, 11, 28, 21, 0, tzinfo=NY), 60),  # a Saturday at 21:00
        (datetime(2026, 11, 24, 10, 0, tzinfo=NY), 15),  # a Tuesday at 10:00
        (datetime(2026, 11, 26, 10, 0, tzinfo=NY), 60),  # Thanksgiving Day at 10:00
    ],
)
def test_the_primary_is_paged_then_the_secondary_when_the_deadline_lapses(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    ntfy: HttpReceiver, mailer: Mailer, at: datetime, deadline: int,
) -> None:  # fmt: skip
    incident = start(db, client, at, clock)
    pager = Pager(db, clock, settings, mailer)
    primary, secondary = holder(db, "primary", at), holder(db, "secondary", at)
    assert primary != secondary

    pager.at(at)
    assert pushed_to(ntfy) == primary
    quiet(mailer)
    pager.at(at + 5 * MINUTES - SECOND)
    quiet(ntfy, mailer)
    pager.at(at + 5 * MINUTES)  # still unacknowledged: the primary's e-mail rule
    [mail] = mailer.take(1)
    assert mail.envelope_to == [f"{primary}@example.org"]
    assert "Kiosk check-in fails for every clinic" in mail.message["Subject"]

    pager.at(at + deadline * MINUTES - SECOND)
    quiet(ntfy, mailer)
    assert breaches(db, incident) == []
    pager.at(at + deadline * MINUTES)
    assert pushed_to(ntfy) == secondary
    quiet(mailer)
    assert len(breaches(db, incident)) == 1
    assert timeline(db, incident, "sla_breach") == [
        f"SLA breach: not acknowledged within {deadline} minutes of step 1"
    ]
    pager.at(at + (deadline + 5) * MINUTES)
    [mail] = mailer.take(1)
    assert mail.envelope_to == [f"{secondary}@example.org"]


def test_acknowledging_through_the_pushs_signed_link_stops_every_page_still_to_come(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    ntfy: HttpReceiver, mailer: Mailer,
) -> None:  # fmt: skip
    at = datetime(2026, 11, 24, 10, 0, tzinfo=NY)  # a Tuesday: a 15-minute deadline
    incident = start(db, client, at, clock)
    pager = Pager(db, clock, settings, mailer)
    primary, secondary = holder(db, "primary", at), holder(db, "secondary", at)
    pager.at(at)
    assert pushed_to(ntfy) == primary
    pager.at(at + 5 * MINUTES)
    assert [m.envelope_to for m in mailer.take(1)] == [[f"{primary}@example.org"]]
    pager.at(at + 15 * MINUTES)
    [push] = ntfy.take(1)
    assert push.json()["topic"] == f"{secondary}-pager"

    clock.set(at + 17 * MINUTES)
    press(client, ack_link(push.body.decode()))
    with db.read() as session:
        acked = session.execute(
            select(TimelineEntry.actor, TimelineEntry.at)
            .where(TimelineEntry.incident_id == incident, TimelineEntry.kind == "acknowledged")
        ).all()  # fmt: skip
    assert [tuple(a) for a in acked] == [(f"link:{secondary}:ntfy", at + 17 * MINUTES)]
    # The secondary's e-mail (due at +20), the tech lead's step (+30): none of it arrives. What
    # does is for the secondary, now the commander of a sev1 of a team with stakeholders: a
    # reminder to send them an update 30 minutes after the start, then one every 30 minutes.
    reminder = f"Send a stakeholder update on #{incident} Kiosk check-in fails for every clinic"
    for minutes, reminded in ((20, False), (30, True), (60, True), (24 * 60, True)):
        pager.at(at + minutes * MINUTES)
        quiet(ntfy)
        got = [(m.envelope_to, str(m.message["Subject"])) for m in mailer.receiver.take_arrived()]
        assert got == ([([f"{secondary}@example.org"], reminder)] if reminded else []), minutes
