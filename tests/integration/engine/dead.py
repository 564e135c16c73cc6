"""A dead letter to look at: a page to Ann whose last try failed for good."""

from __future__ import annotations

from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.notifications.models import Notification
from tests.integration.engine.delivering import page, seed


def dead_letter(db: Database, clock: FakeClock) -> int:
    seeded = seed(db, clock)
    row_id = page(db, clock, seeded, {"kind": "slack", "url": "http://127.0.0.1:9/gone"})
    with db.transaction() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == row_id)
            .values(state="dead", attempts=10, last_error="cannot reach 127.0.0.1:9: refused")
        )
    return row_id
