"""Reading stored calendars back into specs and pure `Calendar`s. Takes a session, never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.calendars.hours import Calendar
from onwatch.calendars.models import StoredCalendar
from onwatch.calendars.specs import CalendarSpec, calendar_from_spec
from onwatch.core.errors import NotFound


def calendar_row(session: Session, name: str) -> StoredCalendar | None:
    return session.scalar(select(StoredCalendar).where(StoredCalendar.name == name))


def get_calendar_row(session: Session, name: str) -> StoredCalendar:
    row = calendar_row(session, name)
    if row is None:
        raise NotFound(f"no calendar {name!r}")
    return row


def calendar_spec(row: StoredCalendar) -> CalendarSpec:
    # Its holiday country was checked when it was stored (the check loads the holidays library).
    return CalendarSpec.model_validate(row.spec, context={"stored": True})


def stored_holidays(row: StoredCalendar) -> dict[int, dict[date, str]]:
    """The holidays stored with the calendar, by year (see StoredCalendar.holidays)."""
    return {
        int(year): {date.fromisoformat(day): name for day, name in days.items()}
        for year, days in (row.holidays or {}).items()
    }


def calendar_specs(session: Session, names: Collection[str] | None = None) -> list[CalendarSpec]:
    """Every stored calendar's spec, or those called `names` that exist."""
    stmt = select(StoredCalendar).order_by(StoredCalendar.name)
    if names is not None:
        stmt = stmt.where(StoredCalendar.name.in_(names))
    return [calendar_spec(row) for row in session.scalars(stmt)]


def get_calendar_spec(session: Session, name: str) -> CalendarSpec:
    return calendar_spec(get_calendar_row(session, name))


def calendars(session: Session, names: Collection[str] | None = None) -> dict[str, Calendar]:
    """Every stored calendar (or those called `names`) by name, built into the pure form."""
    stmt = select(StoredCalendar).order_by(StoredCalendar.name)
    if names is not None:
        stmt = stmt.where(StoredCalendar.name.in_(names))
    return {
        row.name: calendar_from_spec(calendar_spec(row), stored_holidays(row))
        for row in session.scalars(stmt)
    }


def calendar_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(StoredCalendar.name, StoredCalendar.id)).all())


def calendar_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(StoredCalendar.id, StoredCalendar.name)).all())
