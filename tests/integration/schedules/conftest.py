"""People to put on schedules, a business-hours calendar and a sprint schedule, stored through the
actions the API and `apply` use."""

from __future__ import annotations

from typing import Any

import pytest

from onwatch.calendars.actions import put_calendar
from onwatch.calendars.specs import CalendarSpec
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_person
from onwatch.directory.specs import PersonSpec
from onwatch.schedules.actions import put_schedule
from onwatch.schedules.specs import ScheduleSpec

HANDLES = ("ann", "bob", "cy", "dee")

BUSINESS_HOURS: dict[str, Any] = {
    "name": "business-hours",
    "time_zone": "America/New_York",
    "hours": [{"days": "mon-fri", "opens": "07:00", "closes": "20:00"}],
    "holidays": "US",
    "ack_deadlines": {"inside_hours": "15m", "outside_hours": "60m"},
}

# Two-week sprints from Wednesday 2026-01-07, 09:00 New York; the secondary of one sprint is the
# primary of the next.
SPRINTS: dict[str, Any] = {
    "name": "platform",
    "time_zone": "America/New_York",
    "layers": [
        {
            "name": "sprint pair",
            "members": ["ann", "bob", "cy", "dee"],
            "shift_length": "2w",
            "handoff_time": "09:00",
            "start_date": "2026-01-07",
            "roles": ["primary", "secondary"],
        }
    ],
}


@pytest.fixture
def people(db: Database, clock: FakeClock) -> tuple[str, ...]:
    with db.transaction() as session:
        for handle in HANDLES:
            spec = PersonSpec(handle=handle, name=handle.title(), email=f"{handle}@example.org")
            put_person(session, spec, actor="test", now=clock.now())
    return HANDLES


@pytest.fixture
def business_hours(db: Database, clock: FakeClock) -> str:
    with db.transaction() as session:
        put_calendar(
            session, CalendarSpec.model_validate(BUSINESS_HOURS), actor="test", now=clock.now()
        )
    return BUSINESS_HOURS["name"]


@pytest.fixture
def sprints(db: Database, clock: FakeClock, people: tuple[str, ...]) -> str:
    with db.transaction() as session:
        put_schedule(session, ScheduleSpec.model_validate(SPRINTS), actor="test", now=clock.now())
    return SPRINTS["name"]
