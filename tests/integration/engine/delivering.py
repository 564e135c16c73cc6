"""What delivery tests share: an incident with a person to page, outbox rows written as an
escalation step writes them, and the engine built as `onwatch engine` builds it."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Person, Service
from onwatch.engine.assembly import build_engine
from onwatch.engine.loop import Engine
from onwatch.incidents.actions import open_incident
from onwatch.incidents.models import TimelineEntry
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, write

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


@dataclass(frozen=True)
class Seeded:
    incident_id: int
    person_id: int


def seed(db: Database, clock: FakeClock) -> Seeded:
    with db.transaction() as session:
        service = Service(name="checkout")
        ann = Person(handle="ann", name="Ann Archer", email="ann@example.org")
        session.add_all([service, ann])
        session.flush()
        incident = open_incident(
            session, service_id=service.id, title="card payments failing", severity="sev1",
            now=clock.now(), actor="test",
        )  # fmt: skip
        return Seeded(incident.id, ann.id)


def page(
    db: Database, clock: FakeClock, seeded: Seeded, destination: dict[str, Any], key: str = "p1",
    **fields: Any,
) -> int:  # fmt: skip
    """Write one page to Ann at `destination`, due now; its row id."""
    with db.transaction() as session:
        write(
            session,
            [
                Outgoing(
                    key=key, kind="page", due_at=clock.now(), destination=destination,
                    label=f"Ann Archer by {destination['kind']}", incident_id=seeded.incident_id,
                    person_id=seeded.person_id, **fields,
                )
            ],
            clock.now(),
        )  # fmt: skip
        return int(
            session.scalar(select(Notification.id).where(Notification.idempotency_key == key))
        )


def webhook(url: str) -> dict[str, Any]:
    return {"kind": "webhook", "url": url, "secret": SECRET}


def engine(db: Database, clock: FakeClock, settings: Settings, **changes: Any) -> Engine:
    return build_engine(db, clock, settings.model_copy(update=changes))


def row(db: Database, row_id: int) -> Notification:
    with db.read() as session:
        found = session.get(Notification, row_id)
        assert found is not None
        return found


def entries(db: Database, incident_id: int, *kinds: str) -> list[TimelineEntry]:
    with db.read() as session:
        return list(
            session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind.in_(kinds))
                .order_by(TimelineEntry.id)
            )
        )
