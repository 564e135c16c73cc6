"""What a calendar says about one instant: open or closed, the holiday that closes it, when that
next changes, and the acknowledgement deadline something arriving then gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.calendars.deadlines import ack_deadline
from onwatch.calendars.fields import zone
from onwatch.calendars.hours import is_open, next_change
from onwatch.calendars.specs import CalendarSpec, ack_rules_from_spec, calendar_from_spec
from onwatch.core.clock import ensure_utc


@dataclass(frozen=True)
class CalendarStatus:
    calendar: str
    at: datetime
    is_open: bool
    next_change_at: datetime | None
    holiday: str | None  # the holiday on the calendar's local date, open or not
    ack_deadline: timedelta | None  # None when the calendar has no acknowledgement rules
    ack_due_at: datetime | None


def calendar_status(spec: CalendarSpec, at: datetime) -> CalendarStatus:
    at = ensure_utc(at)
    calendar = calendar_from_spec(spec)
    holiday = None
    if calendar.holidays is not None:
        holiday = calendar.holidays.name_of(at.astimezone(zone(spec.time_zone)).date())
    deadline = None
    if spec.ack_deadlines is not None:
        deadline = ack_deadline(ack_rules_from_spec(spec.ack_deadlines), calendar, at)
    return CalendarStatus(
        calendar=spec.name,
        at=at,
        is_open=is_open(calendar, at),
        next_change_at=next_change(calendar, at),
        holiday=holiday,
        ack_deadline=deadline,
        ack_due_at=at + deadline if deadline is not None else None,
    )
