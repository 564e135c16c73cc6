"""Schedules against a real database: what is stored reads back as declared, the loaded schedule
answers like the pure one, and the schema refuses what must never be stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from onwatch.audit.models import AuditEntry
from onwatch.calendars.actions import delete_calendar
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.directory.actions import delete_person
from onwatch.directory.queries import person_by_handle
from onwatch.schedules import queries
from onwatch.schedules.actions import add_override, delete_schedule, put_schedule
from onwatch.schedules.models import ScheduleOverride, StoredSchedule
from onwatch.schedules.oncall import who_is_on_call
from onwatch.schedules.specs import NewOverrideSpec, ScheduleSpec, parse_schedule
from tests.integration.schedules.conftest import SPRINTS

WITH_PTO: dict[str, Any] = {
    **SPRINTS,
    "overrides": [
        {
            "covering": "cy",
            "covered": "dee",
            "start_at": "2026-03-02T09:00:00-05:00",
            "end_at": "2026-03-03T09:00:00-05:00",
            "reason": "PTO",
        }
    ],
}


def put(db: Database, clock: FakeClock, data: dict[str, Any]) -> Any:
    with db.transaction() as session:
        return put_schedule(
            session, ScheduleSpec.model_validate(data), actor="test", now=clock.now()
        )


def stored_spec(db: Database, name: str) -> ScheduleSpec:
    with db.read() as session:
        return queries.schedule_spec(session, queries.get_schedule_row(session, name))


def test_stored_schedule_reads_back_as_declared_with_override_instants_in_utc(
    db: Database, clock: FakeClock, people: tuple[str, ...]
) -> None:
    assert put(db, clock, WITH_PTO).action == "create"
    spec = stored_spec(db, "platform")
    assert spec.layers == ScheduleSpec.model_validate(SPRINTS).layers
    [override] = spec.overrides
    assert (override.covering, override.covered, override.reason) == ("cy", "dee", "PTO")
    assert override.start_at == datetime(2026, 3, 2, 14, tzinfo=UTC)
    assert override.start_at.utcoffset() == timedelta(0)
    # The same instants written with another offset are no change.
    assert put(db, clock, WITH_PTO) is None
    assert put(db, clock, spec.model_dump(mode="json")) is None


def test_loaded_schedule_answers_like_the_pure_one(
    db: Database, clock: FakeClock, people: tuple[str, ...]
) -> None:
    put(db, clock, WITH_PTO)
    pure = parse_schedule(WITH_PTO)
    with db.read() as session:
        loaded = queries.Schedules(session).get("platform")
    for hours in range(0, 24 * 70, 7):
        at = datetime(2026, 1, 7, 14, tzinfo=UTC) + timedelta(hours=hours)
        for role in ("primary", "secondary"):
            assert who_is_on_call(loaded, role, at) == who_is_on_call(pure, role, at)
    assert who_is_on_call(loaded, "primary", clock.now()) == "cy"  # dee's PTO


def test_a_runtime_override_wins_and_survives_reapplying_the_schedule(
    db: Database, clock: FakeClock, people: tuple[str, ...]
) -> None:
    put(db, clock, WITH_PTO)
    cover = NewOverrideSpec(
        covering="ann",
        covered="cy",
        start_at=clock.now(),
        end_at=clock.now() + timedelta(hours=4),
        reason="cy has a dentist appointment",
    )
    with db.transaction() as session:
        add_override(session, "platform", cover, actor="user:ann", now=clock.now())
    assert put(db, clock, WITH_PTO) is None
    assert put(db, clock, SPRINTS).fields.keys() == {"overrides"}  # the file drops its PTO
    with db.read() as session:
        rows = session.scalars(select(ScheduleOverride)).all()
        loaded = queries.Schedules(session).get("platform")
    assert [(r.origin, r.author) for r in rows] == [("runtime", "user:ann")]
    assert stored_spec(db, "platform").overrides == []
    # Without the PTO dee is back as primary, and the runtime cover of cy no longer applies.
    assert who_is_on_call(loaded, "primary", clock.now()) == "dee"


def test_an_override_of_an_override_is_ordered_by_creation(
    db: Database, clock: FakeClock, people: tuple[str, ...]
) -> None:
    put(db, clock, WITH_PTO)  # cy covers dee today
    with db.transaction() as session:
        add_override(
            session,
            "platform",
            NewOverrideSpec(
                covering="bob",
                covered="cy",
                start_at=clock.now(),
                end_at=clock.now() + timedelta(hours=2),
                reason="no-laptops meeting",
            ),
            actor="user:cy",
            now=clock.now(),
        )
    with db.read() as session:
        loaded = queries.Schedules(session).get("platform")
    assert who_is_on_call(loaded, "primary", clock.now()) == "bob"
    assert who_is_on_call(loaded, "primary", clock.now() + timedelta(hours=2)) == "cy"


def test_deleting_a_person_still_on_a_schedule_is_refused(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        delete_person(session, "bob", actor="test", now=clock.now())
    assert "'bob'" in str(refused.value) and "still referenced" in str(refused.value)
    with db.read() as session:
        assert person_by_handle(session, "bob") is not None


def test_deleting_a_calendar_a_schedule_uses_is_refused(
    db: Database, clock: FakeClock, people: tuple[str, ...], business_hours: str
) -> None:
    put(db, clock, {**SPRINTS, "coverage": business_hours})
    with pytest.raises(Invalid, match="still in use"), db.transaction() as session:
        delete_calendar(session, business_hours, actor="test", now=clock.now())


def test_unknown_people_and_calendars_are_each_named_and_nothing_is_stored(
    db: Database, clock: FakeClock, people: tuple[str, ...]
) -> None:
    bad = {
        **WITH_PTO,
        "coverage": "office",
        "layers": [{**SPRINTS["layers"][0], "members": ["ann", "zed"]}],
        "overrides": [{**WITH_PTO["overrides"][0], "covering": "yan"}],
    }
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        put_schedule(session, ScheduleSpec.model_validate(bad), actor="test", now=clock.now())
    assert {(e.field, e.message) for e in refused.value.errors} == {
        ("coverage", "no calendar named 'office'"),
        ("layers[0].members[1]", "no person 'zed'"),
        ("overrides[0].covering", "no person 'yan'"),
    }
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(StoredSchedule)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == len(people)


def test_the_schema_refuses_an_override_that_ends_before_it_starts(
    db: Database, clock: FakeClock, sprints: str
) -> None:
    with db.read() as session:
        schedule_id = queries.get_schedule_row(session, sprints).id
        ann = person_by_handle(session, "ann")
        assert ann is not None
        ann_id = ann.id
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(
            ScheduleOverride(
                schedule_id=schedule_id,
                covering_person_id=ann_id,
                role="primary",
                start_at=clock.now(),
                end_at=clock.now() - timedelta(hours=1),
                author="test",
                origin="runtime",
                created_at=clock.now(),
            )
        )


def test_deleting_a_schedule_takes_its_overrides_with_it(
    db: Database, clock: FakeClock, people: tuple[str, ...]
) -> None:
    put(db, clock, WITH_PTO)
    with db.transaction() as session:
        change = delete_schedule(session, "platform", actor="test", now=clock.now())
    assert change.before is not None and change.before["overrides"][0]["reason"] == "PTO"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleOverride)) == 0
    with db.transaction() as session:
        delete_person(session, "dee", actor="test", now=clock.now())
