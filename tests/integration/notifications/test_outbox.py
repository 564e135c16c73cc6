"""Outbox rows are written once per idempotency key, and pages not yet handed to a sender are
cancelled when their incident no longer needs them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Service
from onwatch.incidents.actions import open_incident
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, cancel_pages, write


def _page(key: str, incident_id: int | None, clock: FakeClock) -> Outgoing:
    return Outgoing(
        key=key,
        kind="page",
        due_at=clock.now(),
        destination={"kind": "email", "address": "ann@example.org"},
        label="Ann by email",
        incident_id=incident_id,
    )


def test_a_cause_recorded_twice_writes_its_message_once(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        assert (
            write(
                session, [_page("page:1", None, clock), _page("page:2", None, clock)], clock.now()
            )
            == 2
        )
    with db.transaction() as session:
        assert (
            write(session, [_page("page:1", None, clock)], clock.now() + timedelta(seconds=1)) == 0
        )
    with db.read() as session:
        keys = session.scalars(select(Notification.idempotency_key).order_by(Notification.id))
        assert list(keys) == ["page:1", "page:2"]


def test_cancelling_an_incidents_pages_leaves_sent_ones_and_other_incidents_alone(
    db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        session.add(Service(name="checkout"))
        session.flush()
        service_id = session.scalar(select(Service.id))
        first, second = (
            open_incident(session, service_id=service_id, title=t, severity="sev2",
                          now=clock.now(), actor="test").id
            for t in ("a", "b")
        )  # fmt: skip
        write(
            session,
            [_page("p1", first, clock), _page("p2", first, clock), _page("p3", second, clock)],
            clock.now(),
        )
        session.execute(
            Notification.__table__.update()
            .where(Notification.idempotency_key == "p2")
            .values(state="sent")
        )
    with db.transaction() as session:
        assert cancel_pages(session, first, "acknowledged") == 1
    with db.read() as session:
        states = dict(
            session.execute(select(Notification.idempotency_key, Notification.state)).all()
        )
    assert states == {"p1": "cancelled", "p2": "sent", "p3": "pending"}
