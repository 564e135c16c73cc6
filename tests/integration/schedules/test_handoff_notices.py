"""Hand-off notices: a lead time before each hand-off the engine writes one kind='handoff'
outbox row to its incoming and one to its outgoing person (by their first low-urgency rule, or
e-mail), once each however often it ticks or however many engines look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from onwatch.core import jobs
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_person
from onwatch.directory.specs import (
    ContactMethodSpec,
    NotificationRuleSpec,
    NotificationRulesSpec,
    PersonSpec,
)
from onwatch.engine.assembly import build_engine
from onwatch.notifications.handoffs import NOTICE_JOB, HandoffNotices
from onwatch.notifications.models import Notification

MARCH_4 = datetime(2026, 3, 4, 14, tzinfo=UTC)  # the sprint hand-off, 09:00 New York
LEAD = timedelta(minutes=15)


def notices(db: Database) -> list[tuple[str, str, datetime, str]]:
    with db.read() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [
            (r.label, r.destination["kind"], r.due_at, r.payload["direction"])
            for r in rows
            if r.kind == "handoff"
        ]


def test_the_incoming_and_outgoing_people_are_told_a_lead_time_before_once(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    with db.transaction() as session:
        ann = PersonSpec(
            handle="ann",
            name="Ann",
            email="ann@example.org",
            contact_methods=[ContactMethodSpec(type="ntfy", address="https://ntfy.sh/ann-9f2c")],
            notification_rules=NotificationRulesSpec(low=[NotificationRuleSpec(contact=1)]),
        )
        put_person(session, ann, actor="test", now=clock.now())
    engine = build_engine(db, clock, handoff_notice=LEAD)
    assert engine.tick().done["handoff_notices"] == 0
    clock.set(MARCH_4 - LEAD - timedelta(seconds=1))
    assert engine.tick().done["handoff_notices"] == 0
    clock.set(MARCH_4 - LEAD)
    assert engine.tick().done["handoff_notices"] == 4
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        assert engine.tick().done["handoff_notices"] == 0
    due = MARCH_4 - LEAD
    assert notices(db) == [
        ("Ann by ntfy: platform primary hand-off (incoming)", "ntfy", due, "incoming"),
        ("Dee by email: platform primary hand-off (outgoing)", "email", due, "outgoing"),
        ("Bob by email: platform secondary hand-off (incoming)", "email", due, "incoming"),
        ("Ann by ntfy: platform secondary hand-off (outgoing)", "ntfy", due, "outgoing"),
    ]  # fmt: skip
    with db.read() as session:
        first = session.scalars(select(Notification).order_by(Notification.id)).first()
        keys = list(session.scalars(select(Notification.idempotency_key)))
        next_due = session.scalar(select(jobs.Job.due_at).where(jobs.Job.kind == NOTICE_JOB))
    assert all(k.startswith("handoff:") and f":{int(MARCH_4.timestamp())}:" in k for k in keys)
    assert next_due is not None and next_due <= clock.now() + timedelta(hours=1)
    # What the incoming person reads, in their own zone (UTC here), with names not handles.
    assert first is not None
    assert first.payload["title"] == "You go on call: platform primary at Wed 2026-03-04 14:00 UTC"
    assert first.payload["text"] == (
        "Dee hands platform primary over to you at Wed 2026-03-04 14:00 UTC."
    )


def test_a_second_engine_looking_at_the_same_stretch_writes_nothing_new(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    step = HandoffNotices(LEAD)
    for _ in range(2):
        # As a second engine would, unaware of the first one's work.
        with db.transaction() as session:
            payload = {"schedule": sprints, "until": clock.now().isoformat()}
            jobs.schedule(session, NOTICE_JOB, sprints, MARCH_4 - LEAD, clock.now(), payload)
        with db.transaction() as session:
            step(session, MARCH_4 - LEAD)
    assert len(notices(db)) == 4


def test_a_hand_off_missed_while_the_engine_was_down_is_not_announced_late(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    engine = build_engine(db, clock, handoff_notice=LEAD)
    engine.tick()
    clock.set(MARCH_4 + timedelta(hours=2))
    assert engine.tick().done["handoff_notices"] == 0
    assert notices(db) == []
