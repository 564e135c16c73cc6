"""The engine's stakeholder step with a fake clock: the commander of a sev1 incident is reminded
every 30 minutes without an update, not while snoozed; the communications owner is reminded two
hours before the first update's 24-hour deadline, and a breach is recorded when it lapses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.stakeholders import reminders
from onwatch.stakeholders.models import IncidentComms
from tests.integration.escalation.helpers import open_on, timeline
from tests.integration.stakeholders.org import give_role, load_org, outbox, send

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def reminded(db: Database) -> list[tuple[str, str]]:
    return [(r.destination["address"], r.payload["title"]) for r in outbox(db, "reminder")]


def test_the_commander_is_reminded_every_30_minutes_until_an_update_and_not_while_snoozed(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    at = clock.now()
    incident = open_on(db, "cart", at, severity="sev1")
    give_role(db, incident, "commander", "ann", at)
    engine = build_engine(db, clock)
    title = f"Send a stakeholder update on #{incident} cart is down"

    engine.tick(at + 29 * MIN)
    assert reminded(db) == []
    with db.read() as session:
        assert reminders.next_due(session) == at + 30 * MIN
    engine.tick(at + 30 * MIN)
    assert reminded(db) == [("ann@example.org", title)]
    engine.tick(at + 59 * MIN)
    assert len(reminded(db)) == 1
    send(db, incident, "Working on it.", at + 50 * MIN)
    engine.tick(at + 79 * MIN)
    assert len(reminded(db)) == 1
    engine.tick(at + 80 * MIN)
    assert len(reminded(db)) == 2

    with db.transaction() as session:
        reminders.snooze(session, incident, 2 * HOUR, actor="ann", source="api",
                         now=at + 81 * MIN)  # fmt: skip
    engine.tick(at + 200 * MIN)
    assert len(reminded(db)) == 2
    engine.tick(at + 201 * MIN)
    assert len(reminded(db)) == 3
    assert timeline(db, incident, "update_snooze") == ["Update reminders snoozed for 2h"]


def test_without_any_update_the_owner_is_reminded_before_24h_and_a_breach_is_recorded(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    at = clock.now()
    incident = open_on(db, "cart", at, severity="sev1")
    give_role(db, incident, "communications", "pat", at)
    engine = build_engine(db, clock)

    engine.tick(at + 22 * HOUR - MIN)
    assert reminded(db) == []  # no commander: the 30-minute reminders reach nobody
    engine.tick(at + 22 * HOUR)
    assert reminded(db) == [
        ("pat@example.org", f"Stakeholder update due by 03-03-2026 09:00 AM EST: #{incident} "
         "cart is down")
    ]  # fmt: skip
    engine.tick(at + 24 * HOUR - MIN)
    assert timeline(db, incident, "update_breach") == []
    engine.tick(at + 24 * HOUR)
    engine.tick(at + 25 * HOUR)
    assert timeline(db, incident, "update_breach") == [
        "Breach: no stakeholder update within 24 hours of the start "
        "(due by 03-03-2026 09:00 AM EST)"
    ]
    with db.read() as session:
        comms = session.get(IncidentComms, incident)
        assert comms is not None and comms.breached_at == at + 24 * HOUR
        assert session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "incident.update_breach")
        ).all() == ["incident.update_breach"]  # fmt: skip
    assert len(reminded(db)) == 1


def test_an_update_in_time_means_no_breach_and_sev2_has_no_deadline(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    at = clock.now()
    sent = open_on(db, "cart", at, severity="sev1")
    lesser = open_on(db, "lone", at, severity="sev2")
    engine = build_engine(db, clock)
    send(db, sent, "Known.", at + 3 * HOUR)
    engine.tick(at + 30 * HOUR)
    assert timeline(db, sent, "update_breach") == timeline(db, lesser, "update_breach") == []
