"""Hand-offs are recorded as events by the engine as they happen, once each however often it
ticks, and the next look is a due job at the next hand-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from onwatch.core import jobs
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.schedules.actions import HANDOFF_JOB, add_override, record_due_handoffs
from onwatch.schedules.models import HandOffEvent
from onwatch.schedules.specs import NewOverrideSpec

# Sprint hand-offs of the `sprints` fixture: Wednesdays at 09:00 New York (14:00 UTC in winter).
MARCH_4 = datetime(2026, 3, 4, 14, tzinfo=UTC)
MARCH_18 = datetime(2026, 3, 18, 13, tzinfo=UTC)  # 09:00 EDT, after the DST change


def events(db: Database) -> list[tuple[str, datetime, str | None, str | None]]:
    with db.read() as session:
        rows = session.scalars(select(HandOffEvent).order_by(HandOffEvent.at, HandOffEvent.role))
        return [(r.role, r.at, r.outgoing, r.incoming) for r in rows]


def next_look(db: Database) -> datetime | None:
    with db.read() as session:
        return session.scalar(select(jobs.Job.due_at).where(jobs.Job.kind == HANDOFF_JOB))


def test_handoffs_are_recorded_once_each_as_the_engine_ticks(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    engine = build_engine(db, clock)
    assert engine.tick().done["handoffs"] == 0
    assert next_look(db) == MARCH_4
    clock.set(MARCH_4 - timedelta(seconds=1))
    assert engine.tick().done["handoffs"] == 0
    clock.set(MARCH_4)
    assert engine.tick().done["handoffs"] == 2
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        assert engine.tick().done["handoffs"] == 0
    assert events(db) == [
        ("primary", MARCH_4, "dee", "ann"),
        ("secondary", MARCH_4, "ann", "bob"),
    ]
    assert next_look(db) == MARCH_18
    clock.set(MARCH_18 + timedelta(hours=5))  # the engine was down over the hand-off
    assert engine.tick().done["handoffs"] == 2
    assert [e[1:] for e in events(db)[2:]] == [(MARCH_18, "ann", "bob"), (MARCH_18, "bob", "cy")]


def test_looking_at_the_same_stretch_twice_records_nothing_new(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    for _ in range(2):
        # As a second engine would, unaware of the first one's work: from START to March 4.
        with db.transaction() as session:
            payload = {"schedule": sprints, "since": clock.now().isoformat()}
            jobs.schedule(session, HANDOFF_JOB, sprints, MARCH_4, clock.now(), payload)
        with db.transaction() as session:
            record_due_handoffs(session, MARCH_4)
    assert len(events(db)) == 2


def test_an_override_added_at_run_time_brings_its_own_handoffs(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    engine = build_engine(db, clock)
    engine.tick()
    starts_at = clock.now() + timedelta(hours=1)
    with db.transaction() as session:
        add_override(
            session,
            sprints,
            NewOverrideSpec(
                covering="cy",
                covered="dee",
                start_at=starts_at,
                end_at=starts_at + timedelta(hours=3),
                reason="appointment",
            ),
            actor="user:dee",
            now=clock.now(),
        )
    engine.tick()
    assert next_look(db) == starts_at
    clock.set(starts_at + timedelta(hours=3))
    engine.tick()
    assert events(db) == [
        ("primary", starts_at, "dee", "cy"),
        ("primary", starts_at + timedelta(hours=3), "cy", "dee"),
    ]
