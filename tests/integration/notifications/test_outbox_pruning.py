"""Sent and cancelled messages leave the outbox 30 days after they were due, at the engine's
housekeeping; pending messages and dead letters stay, whatever their age."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.steps import housekeeping
from onwatch.notifications.deliveries import KEEP_SETTLED
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, write


def test_settled_messages_older_than_the_retention_are_pruned_and_others_kept(
    db: Database, clock: FakeClock
) -> None:
    start = clock.now()
    states = ["sent", "cancelled", "dead", "pending", "sent"]
    with db.transaction() as session:
        write(
            session,
            [
                Outgoing(
                    key=f"test:{i}",
                    kind="test",
                    # The last is due a day later than the others: still within the retention.
                    due_at=start + timedelta(days=1 if i == 4 else 0),
                    destination={"kind": "email", "address": "ann@example.org"},
                    label="Ann by email (test)",
                )
                for i in range(len(states))
            ],
            start,
        )
        for row in session.scalars(select(Notification)):
            row.state = states[int(row.idempotency_key.split(":")[1])]
    with db.transaction() as session:
        assert housekeeping(session, start + KEEP_SETTLED) == 0  # due exactly 30 days ago: kept
    with db.transaction() as session:
        assert housekeeping(session, start + KEEP_SETTLED + timedelta(seconds=1)) == 2
    with db.read() as session:
        left = sorted(session.scalars(select(Notification.idempotency_key)))
    assert left == ["test:2", "test:3", "test:4"]
