"""Calendars and schedules as config: apply, export and apply back with no diff; overrides people
add at run time survive `apply --prune`; gap warnings for the coming four weeks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.config import document
from onwatch.config.apply import Plan, apply, export
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.schedules.actions import add_override
from onwatch.schedules.lookups import overrides_of
from onwatch.schedules.specs import NewOverrideSpec

FILE = """\
version: 1
people:
  - {handle: ann, name: Ann, email: ann@example.org}
  - {handle: bob, name: Bob, email: bob@example.org}
calendars:
  - name: business-hours
    time_zone: America/New_York
    hours: [{days: mon-fri, opens: "07:00", closes: "20:00"}]
    holidays: US
    closed_dates: [2026-12-24]
    ack_deadlines: {inside_hours: 15m, outside_hours: 1h}
  - name: mobile-coverage
    time_zone: America/New_York
    hours:
      - {days: mon-fri, opens: "09:00", closes: "17:00", closes_time_zone: America/Los_Angeles}
schedules:
  - name: pair
    time_zone: America/New_York
    coverage: business-hours
    layers:
      - members: [ann, bob]
        shift_length: 1w
        handoff_time: "10:00"
        start_date: 2026-01-05
        roles: [primary, secondary]
        restrict_to: {calendar: business-hours}
        member_changes: [{remove: bob, effective_at: "2027-01-04T10:00:00-05:00"}]
    overrides:
      - {covering: bob, covered: ann, start_at: "2026-03-03T09:00:00-05:00",
         end_at: "2026-03-04T09:00:00-05:00", reason: PTO}
"""

WEEKDAYS_ONLY = """\
version: 1
people:
  - {handle: ann, name: Ann, email: ann@example.org}
schedules:
  - name: weekdays
    time_zone: Europe/London
    layers:
      - {members: [ann], shift_length: 1d, start_date: 2026-01-05, restrict_to: {days: mon-fri}}
"""


def applied(db: Database, clock: FakeClock, text: str, *, prune: bool = False) -> Plan:
    with db.transaction() as session:
        return apply(
            session, document.load(text, "test.yaml"), prune=prune, actor="test", now=clock.now()
        )


def exported(db: Database) -> str:
    with db.read() as session:
        return export(session)


def test_apply_then_export_applies_back_with_no_diff(db: Database, clock: FakeClock) -> None:
    first = applied(db, clock, FILE)
    assert [f"{c.action} {c.kind} {c.key}" for c in first.changes][2:] == [
        "create calendar business-hours",
        "create calendar mobile-coverage",
        "create schedule pair",
    ]
    assert applied(db, clock, FILE).changes == []
    text = exported(db)
    assert "calendars:" in text and "schedules:" in text and "reason: PTO" in text
    assert applied(db, clock, text, prune=True).changes == []
    assert exported(db) == text


def test_runtime_overrides_are_not_pruned_by_apply(db: Database, clock: FakeClock) -> None:
    applied(db, clock, FILE)
    with db.transaction() as session:
        cover = NewOverrideSpec(
            covering="ann",
            covered="bob",
            start_at=clock.now(),
            end_at=clock.now() + timedelta(days=1),
            reason="dentist",
        )
        add_override(session, "pair", cover, actor="user:ann", now=clock.now())
    assert applied(db, clock, FILE, prune=True).changes == []
    assert "dentist" not in exported(db)
    with db.read() as session:
        kept = overrides_of(session, "pair", clock.now())
    assert [(o.origin, o.reason) for o in kept] == [("config", "PTO"), ("runtime", "dentist")]


def test_prune_deletes_schedules_before_the_calendars_they_use(
    db: Database, clock: FakeClock
) -> None:
    applied(db, clock, FILE)
    plan = applied(db, clock, FILE.split("calendars:")[0], prune=True)
    assert [f"{c.action} {c.kind} {c.key}" for c in plan.changes] == [
        "delete schedule pair",
        "delete calendar business-hours",
        "delete calendar mobile-coverage",
    ]


def schedule_warnings(plan: Plan) -> list[str]:
    """The schedules' warnings (not those about people without notification rules)."""
    return [w for w in plan.warnings if w.startswith("schedule ")]


def test_apply_warns_about_gaps_in_the_next_four_weeks(db: Database, clock: FakeClock) -> None:
    plan = applied(db, clock, WEEKDAYS_ONLY)  # the clock: Monday 2026-03-02 14:00 UTC
    assert schedule_warnings(plan) == [
        "schedule weekdays: nobody is primary from "
        "Sat 2026-03-07 00:00 GMT to Mon 2026-03-09 00:00 GMT, "
        "Sat 2026-03-14 00:00 GMT to Mon 2026-03-16 00:00 GMT, "
        "Sat 2026-03-21 00:00 GMT to Mon 2026-03-23 00:00 GMT and 1 more time"
    ]
    # Nobody is on call outside business hours, but that is outside the schedule's coverage.
    assert schedule_warnings(applied(db, clock, FILE)) == []


def test_a_schedule_naming_an_unknown_person_is_reported_with_its_place(
    db: Database, clock: FakeClock
) -> None:
    broken = FILE.replace("covered: ann", "covered: zed")
    with pytest.raises(Invalid) as refused:
        applied(db, clock, broken)
    assert [str(e) for e in refused.value.errors] == [
        "schedules[0].overrides[0].covered: no person 'zed' (line 29)"
    ]
