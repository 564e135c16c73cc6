"""An acknowledgement racing an escalation step, on PostgreSQL: whichever takes the incident
first, no page is left to send once the acknowledgement commits."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from onwatch.alerts.responding import acknowledge_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.escalating import fire_due
from tests.integration.alerts.test_repeat_races import _waiting_for_a_lock
from tests.integration.escalation.helpers import engine, load, open_on, pages, state

AT = datetime(2026, 3, 7, 21, 0, tzinfo=ZoneInfo("America/New_York"))


def test_an_ack_committing_after_the_step_cancels_the_pages_it_wrote(
    postgresql_db: Database, clock: FakeClock
) -> None:
    db = postgresql_db
    load(db, clock)
    incident = open_on(db, "api", AT)
    errors: list[BaseException] = []

    def acknowledge() -> None:
        try:
            with db.transaction() as session:
                acknowledge_incident(session, incident, actor="user:ann", now=AT)
        except BaseException as error:
            errors.append(error)

    with db.transaction() as session:
        assert fire_due(session, AT) == 1  # holds the escalation row and the incident
        acker = threading.Thread(target=acknowledge)
        acker.start()
        assert _waiting_for_a_lock(db, acker), "the acknowledgement did not wait for the step"
    acker.join()
    assert errors == []
    assert pages(db, incident, "pending") == []
    assert pages(db, incident, "cancelled") == [(f"page:{incident}:0:0:0", "ann")]


def test_a_step_due_while_an_ack_is_in_flight_leaves_the_incident_alone(
    postgresql_db: Database, clock: FakeClock
) -> None:
    db = postgresql_db
    load(db, clock)
    incident = open_on(db, "api", AT)
    with db.transaction() as session:
        acknowledge_incident(session, incident, actor="user:ann", now=AT)
        # The engine runs while the acknowledgement is not yet committed: it skips the incident.
        assert engine(db, clock).tick(AT).done["escalations"] == 0
    assert engine(db, clock).tick(AT).done["escalations"] == 0
    assert pages(db, incident) == []
    assert state(db, incident).state == "acknowledged"
