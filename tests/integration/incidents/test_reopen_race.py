"""Reopening while an alert opens a new incident in the same group, on PostgreSQL: neither sees
the other's uncommitted row, so the unique index "one open incident per service and group"
decides, and the reopen is a Conflict (a 409), not a database error."""

from __future__ import annotations

import threading

from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.responding import resolve_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.incidents.actions import reopen
from onwatch.incidents.models import Incident
from tests.integration.alerts.test_repeat_races import _waiting_for_a_lock

TRIGGER = AlertEvent(action="trigger", dedup_key="disk", summary="disk full", severity="error")


def test_reopen_racing_with_a_new_incident_of_its_group_is_a_conflict(
    postgresql_db: Database, clock: FakeClock
) -> None:
    db = postgresql_db
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        service_id = get_service(session, "reader").id
        [first] = ingest(
            session, [Routed(service_id, "reader", TRIGGER)], integration_id=None, now=clock.now()
        )
        resolve_incident(session, first.incident_id, actor="user:ann", now=clock.now())

    failures: list[BaseException] = []

    def reopen_first() -> None:
        try:
            with db.transaction() as session:
                reopen(session, first.incident_id, actor="user:bob", now=clock.now())
        except Conflict as error:
            failures.append(error)

    with db.transaction() as session:
        [second] = ingest(
            session, [Routed(service_id, "reader", TRIGGER)], integration_id=None, now=clock.now()
        )
        reopener = threading.Thread(target=reopen_first)
        reopener.start()
        assert _waiting_for_a_lock(db, reopener), "the reopen did not wait for the new incident"
    reopener.join()
    [failure] = failures
    assert "another incident is open for the same service and group" in str(failure)
    with db.read() as session:
        statuses = dict(session.execute(select(Incident.id, Incident.status)).all())
    assert statuses == {first.incident_id: "resolved", second.incident_id: "triggered"}
