"""A small organisation with stakeholder lists, and helpers to send updates and read what they
wrote."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Person
from onwatch.incidents.models import IncidentRole
from onwatch.notifications.models import Notification
from onwatch.stakeholders import updates
from tests.integration.escalation.helpers import load

KEY = b"k" * 32
MAILING = updates.Mailing("https://onwatch.example.org", KEY)
ORG = """\
version: 1
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
  - {handle: pat, name: Pat Product, email: pat@example.org}
teams:
  - name: shop
    members: [ann, pat]
    roles:
      product_manager: {person: pat}
services:
  - {name: cart, display_name: Shopping cart, team: shop, calendar: ny}
  - {name: lone}
calendars:
  - name: ny
    time_zone: America/New_York
    hours:
      - {days: mon-fri, opens: "09:00", closes: "17:00"}
stakeholders:
  - team: shop
    subscribers: [leads@example.org, Support@example.org]
    services:
      cart: [cart-owners@example.org, leads@example.org]
"""


def load_org(db: Database, clock: FakeClock, text: str = ORG) -> None:
    load(db, clock, text)


def give_role(db: Database, incident_id: int, role: str, handle: str, at: datetime) -> None:
    with db.transaction() as session:
        person = session.scalar(select(Person.id).where(Person.handle == handle))
        session.add(IncidentRole(incident_id=incident_id, role=role, person_id=person,
                                 assigned_at=at, assigned_by="test"))  # fmt: skip


def send(db: Database, incident_id: int, status: str, at: datetime, **more: object) -> int:
    with db.transaction() as session:
        return updates.send_update(
            session, incident_id, status, actor="ann", source="api", now=at, mailing=MAILING,
            **more,  # type: ignore[arg-type]
        ).id  # fmt: skip


def outbox(db: Database, kind: str) -> list[Notification]:
    with db.read() as session:
        rows = list(
            session.scalars(
                select(Notification).where(Notification.kind == kind).order_by(Notification.id)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows
