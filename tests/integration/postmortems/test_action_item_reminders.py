"""Overdue action items remind their owner once a day: one outbox `reminder` per item and day
(keyed so), a timeline line on the incident, none before the due date has passed, none for
items done or without an owner; the engine knows when the next one is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.incidents.models import TimelineEntry
from onwatch.notifications.models import Notification
from onwatch.postmortems import items
from onwatch.postmortems import reminders as remind
from tests.integration.postmortems.story import seed


def add(db: Database, clock: FakeClock, incident_id: int, **fields: object) -> int:
    with db.transaction() as session:
        item = items.add(
            session, incident_id, items.ItemSpec.model_validate(fields), actor="user:ann",
            source="api", now=clock.now(),
        )  # fmt: skip
        return item.id


def reminders(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.scalars(
            select(Notification).where(Notification.kind == "reminder").order_by(Notification.id)
        )
        return [(r.idempotency_key, r.destination["address"], r.payload["title"]) for r in rows]


def _next_reminder(db: Database) -> datetime | None:
    """When the action_items step next has work (the engine's own next_due also counts the
    story's open incident nearing its post-mortem duration threshold)."""
    with db.read() as session:
        return remind.next_due(session)


def test_an_overdue_item_reminds_its_owner_once_a_day_until_it_is_done(
    db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)  # 2026-03-02 14:00 UTC
    item = add(db, clock, story.incident_id, title="Rotate the certificate", owner="lee",
               due_on="2026-03-03")  # fmt: skip
    add(db, clock, story.incident_id, title="Nobody's", due_on="2026-03-01")
    add(db, clock, story.incident_id, title="Done already", owner="ann", due_on="2026-03-01",
        status="done")  # fmt: skip
    loop = build_engine(db, clock, handoff_notice=None)
    assert loop.tick().done["action_items"] == 0
    assert _next_reminder(db) == datetime(2026, 3, 4, tzinfo=UTC)

    clock.set(datetime(2026, 3, 3, 23, 59, tzinfo=UTC))  # due today: not overdue yet
    assert loop.tick().done["action_items"] == 0
    clock.set(datetime(2026, 3, 4, 0, 0, tzinfo=UTC))
    assert loop.tick().done["action_items"] == 1
    clock.advance(timedelta(hours=20))
    assert loop.tick().done["action_items"] == 0  # once a day
    assert _next_reminder(db) == datetime(2026, 3, 5, tzinfo=UTC)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    assert loop.tick().done["action_items"] == 1
    assert reminders(db) == [
        (f"action-item:{item}:reminder:2026-03-04", "lee@example.org",
         "Overdue action item: Rotate the certificate"),
        (f"action-item:{item}:reminder:2026-03-05", "lee@example.org",
         "Overdue action item: Rotate the certificate"),
    ]  # fmt: skip

    with db.transaction() as session:
        items.change(
            session, item, items.ItemChange(status="done"), actor="user:lee",
            source="ui", now=clock.now(),
        )  # fmt: skip
    clock.advance(timedelta(days=3))
    assert loop.tick().done["action_items"] == 0
    with db.read() as session:
        assert remind.next_due(session) is None  # nothing left to remind
        lines = session.scalars(
            select(TimelineEntry.text)
            .where(TimelineEntry.text.like("Reminded%"))
            .order_by(TimelineEntry.id)
        ).all()
        sources = set(
            session.scalars(
                select(TimelineEntry.source).where(TimelineEntry.text.like("Reminded%"))
            )
        )
    assert lines == ["Reminded Lee Lund: action item overdue: Rotate the certificate"] * 2
    assert sources == {"engine"}
