"""Creating, changing and deleting stored calendars, audited, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.calendars import queries
from onwatch.calendars.hours import Calendar, holidays_by_year
from onwatch.calendars.models import StoredCalendar
from onwatch.calendars.specs import CalendarSpec, calendar_from_spec
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.db import delete_unless_referenced


def put_calendar(
    session: Session, spec: CalendarSpec, *, actor: str, now: datetime
) -> Change | None:
    """Create or update the calendar `spec` declares; None when it is stored as given."""
    calendar = calendar_from_spec(spec)  # every check the pure form makes, before any write
    row = queries.calendar_row(session, spec.name)
    before = queries.calendar_spec(row).model_dump(mode="json") if row else None
    after = spec.model_dump(mode="json")
    change = diff("calendar", spec.name, before, after)
    if change is None:
        return None
    if row is None:
        row = StoredCalendar(name=spec.name)
        session.add(row)
    row.spec, row.updated_at = after, now
    row.holidays = stored_form(calendar, now)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


# The years whose holidays are stored with a calendar, around the year it is stored in.
STORED_YEARS = (-1, 10)


def stored_form(calendar: Calendar, now: datetime) -> dict[str, dict[str, str]]:
    """The calendar's holidays for StoredCalendar.holidays (none when it keeps no holidays)."""
    if calendar.holidays is None:
        return {}
    years = range(now.year + STORED_YEARS[0], now.year + STORED_YEARS[1] + 1)
    return {
        str(year): {day.isoformat(): name for day, name in sorted(days.items())}
        for year, days in holidays_by_year(calendar.holidays, years).items()
    }


def delete_calendar(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    row = queries.get_calendar_row(session, name)
    change = deleted("calendar", name, queries.calendar_spec(row).model_dump(mode="json"))
    delete_unless_referenced(
        session,
        row,
        f"calendar {name!r} is still in use (a schedule's coverage or a layer's "
        "restriction); change those schedules first",
    )
    record_change(session, change, actor=actor, at=now)
    return change
