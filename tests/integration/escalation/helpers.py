"""A small organisation with escalation policies, applied from YAML, and helpers to open
incidents, tick the engine and read what it wrote."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Person
from onwatch.directory.queries import get_service
from onwatch.engine.assembly import build_engine
from onwatch.engine.loop import Engine
from onwatch.escalation.models import IncidentEscalation, SlaBreach
from onwatch.incidents.actions import open_incident
from onwatch.incidents.models import TimelineEntry
from onwatch.notifications.models import Channel, Notification

ORG = """\
version: 1
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
  - {handle: bob, name: Bob Baker, email: bob@example.org}
  - {handle: cy, name: Cy Cole, email: cy@example.org}
  - {handle: dee, name: Dee Dunn, email: dee@example.org}
teams:
  - name: ops
    members: [ann, bob, cy]
    tech_lead: cy
    roles:
      commander: {person: dee, backup: ann}
services:
  - {name: api, escalation_policy: main, calendar: biz}
  - {name: quiet, escalation_policy: main, urgency: low}
  - {name: graded, escalation_policy: main, urgency: severity, calendar: biz}
  - {name: gappy, escalation_policy: gap-first}
  - {name: turns, escalation_policy: turns}
  - {name: loud, escalation_policy: once}
  - {name: unpaged}
calendars:
  - name: biz
    time_zone: America/New_York
    hours:
      - {days: mon-fri, opens: "09:00", closes: "17:00"}
    holidays: US
    ack_deadlines: {inside_hours: 15m, outside_hours: 60m}
channels:
  - {name: ops-mail, type: email, to: [ops@example.org]}
schedules:
  - name: pair
    time_zone: America/New_York
    services: [api]
    layers:
      - {members: [ann, bob], shift_length: 1w, handoff_time: "09:00",
         start_date: 2026-01-05, roles: [primary, secondary]}
  - name: daytime
    time_zone: America/New_York
    coverage: biz
    services: [quiet, gappy]
    layers:
      - {members: [cy], shift_length: 1w, handoff_time: "09:00", start_date: 2026-01-05,
         roles: [primary], restrict_to: {calendar: biz}}
escalation_policies:
  - name: main
    ack_timeout: 30m
    steps:
      - targets: [{schedule: pair, role: primary}]
        delay: ack_deadline
      - targets: [{schedule: pair, role: secondary}]
        delay: 10m
      - targets: [{team: ops, role: tech_lead}, {channel: ops-mail}]
        delay: 10m
  - name: gap-first
    steps:
      - {targets: [{schedule: daytime, role: primary}], delay: 5m}
      - {targets: [{team: ops, role: commander}], delay: 5m}
  - name: turns
    steps:
      - {targets: [{person: ann}, {person: bob}], delay: 5m, round_robin: true}
  - name: once
    repeat: 1
    steps:
      - {targets: [{person: dee}], delay: 5m}
"""


def load(db: Database, clock: FakeClock, text: str = ORG) -> None:
    doc = document.load(text, "org")
    assert doc.errors == []
    with db.transaction() as session:
        apply(session, doc, prune=False, actor="test", now=clock.now())


def open_on(db: Database, service: str, at: datetime, severity: str = "sev2") -> int:
    with db.transaction() as session:
        incident = open_incident(
            session,
            service_id=get_service(session, service).id,
            title=f"{service} is down",
            severity=severity,
            now=at,
            actor="test",
        )
        return incident.id


def engine(db: Database, clock: FakeClock) -> Engine:
    return build_engine(db, clock)


def pages(db: Database, incident_id: int, state: str | None = None) -> list[tuple[str, str]]:
    """(key prefix without the destination, who) of the incident's outbox rows, in order."""
    with db.read() as session:
        handles = dict(session.execute(select(Person.id, Person.handle)).all())
        channels = dict(session.execute(select(Channel.id, Channel.name)).all())
        stmt = select(Notification).where(Notification.incident_id == incident_id)
        if state is not None:
            stmt = stmt.where(Notification.state == state)
        rows = session.scalars(stmt.order_by(Notification.id))
        return [
            (
                ":".join(r.idempotency_key.split(":")[:5]),
                handles[r.person_id] if r.person_id else f"#{channels[r.channel_id]}",
            )
            for r in rows
        ]


def timeline(db: Database, incident_id: int, kind: str | None = None) -> list[str]:
    with db.read() as session:
        stmt = select(TimelineEntry.text).where(TimelineEntry.incident_id == incident_id)
        if kind is not None:
            stmt = stmt.where(TimelineEntry.kind == kind)
        return list(session.scalars(stmt.order_by(TimelineEntry.id)))


def state(db: Database, incident_id: int) -> IncidentEscalation:
    with db.read() as session:
        row = session.get(IncidentEscalation, incident_id)
        assert row is not None
        session.expunge(row)
        return row


def breaches(db: Database, incident_id: int) -> list[SlaBreach]:
    with db.read() as session:
        rows = list(session.scalars(select(SlaBreach).where(SlaBreach.incident_id == incident_id)))
        for row in rows:
            session.expunge(row)
        return rows
