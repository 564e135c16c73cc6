"""A repeat racing with a resolve on PostgreSQL, where intake and a responder write at once.
A repeat folds by updating its alert's tally only (alerts.repeats); a resolve from the incident
clears that tally's event_hash, so the repeat waits for it and then takes the long way: it
opens a new alert instead of being counted on the resolved one."""

from __future__ import annotations

import threading

from sqlalchemy import select, text

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Outcome, Routed, ingest
from onwatch.alerts.models import Alert
from onwatch.alerts.responding import resolve_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec

TRIGGER = AlertEvent(action="trigger", dedup_key="disk", summary="disk full", severity="error")


def _send(db: Database, service_id: int, clock: FakeClock) -> Outcome:
    with db.transaction() as session:
        [outcome] = ingest(
            session, [Routed(service_id, "reader", TRIGGER)], integration_id=None, now=clock.now()
        )
        return outcome


def _waiting_for_a_lock(db: Database, sender: threading.Thread) -> bool:
    """Whether a session of this database waits for a row lock; False once `sender` ended
    (it did not wait). Asked again and again until one of the two is so: no timing involved."""
    with db.engine.connect() as connection:
        while sender.is_alive():
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                return True
            connection.rollback()  # a fresh snapshot of pg_stat_activity for the next look
    return False


def test_repeat_racing_with_an_incident_resolve_opens_a_new_alert(
    postgresql_db: Database, clock: FakeClock
) -> None:
    db = postgresql_db
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        service_id = get_service(session, "reader").id
    opened = _send(db, service_id, clock)
    assert _send(db, service_id, clock).result == "repeated"  # the same body folds
    outcomes: list[Outcome] = []
    with db.transaction() as session:
        resolve_incident(session, opened.incident_id, actor="ada", now=clock.now())
        sender = threading.Thread(target=lambda: outcomes.append(_send(db, service_id, clock)))
        sender.start()
        assert _waiting_for_a_lock(db, sender), "the repeat did not wait for the resolve"
    sender.join()
    [outcome] = outcomes
    assert outcome.result == "created"
    with db.read() as session:
        alerts = session.scalars(select(Alert).order_by(Alert.id)).all()
        assert [(a.status, a.count) for a in alerts] == [("resolved", 2), ("firing", 1)]
