"""Two engines on PostgreSQL fire due escalation steps at once: SKIP LOCKED shares the rows
out, so each step fires once and each page is written once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.queries import get_service
from onwatch.incidents.actions import open_incident
from onwatch.incidents.escalating import fire_due
from onwatch.incidents.models import TimelineEntry
from onwatch.notifications.models import Notification
from tests.integration.escalation.helpers import load

AT = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("America/New_York"))
INCIDENTS = 300


def test_two_engines_fire_each_step_once(postgresql_db: Database, clock: FakeClock) -> None:
    db = postgresql_db
    load(db, clock)
    with db.transaction() as session:
        service_id = get_service(session, "loud").id  # one step, repeated once: two pages each
        for n in range(INCIDENTS):
            open_incident(
                session, service_id=service_id, title=f"incident {n}", severity="sev2",
                now=AT, actor="test",
            )  # fmt: skip
    errors: list[BaseException] = []
    fired = [0, 0]

    def engine(slot: int, at: datetime) -> None:
        try:
            while True:
                with db.transaction() as session:
                    done = fire_due(session, at, batch=25)
                if not done:
                    return
                fired[slot] += done
        except BaseException as error:
            errors.append(error)

    for at in (AT, AT + timedelta(minutes=5)):
        threads = [threading.Thread(target=engine, args=(slot, at)) for slot in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sum(fired) == 2 * INCIDENTS
    with db.read() as session:
        pages = session.scalar(select(func.count()).select_from(Notification))
        keys = session.scalar(select(func.count(func.distinct(Notification.idempotency_key))))
        paged = session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .where(TimelineEntry.text.like("Step 1%: paged %"))
        )
    assert pages == keys == paged == 2 * INCIDENTS
