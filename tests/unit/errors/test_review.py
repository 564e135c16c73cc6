"""The morning review's window: literal times against a New York office calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from onwatch.calendars.hours import Calendar, Window
from onwatch.errors.review import Morning, morning_of

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))
OFFICE = Calendar((Window(WEEKDAYS, time(9), time(17), NEW_YORK),))
# A lunch break: two windows a day.
SPLIT = Calendar(
    (
        Window(WEEKDAYS, time(9), time(12), NEW_YORK),
        Window(WEEKDAYS, time(13), time(17), NEW_YORK),
    )
)
ALWAYS = Calendar((Window(frozenset(range(7)), time(0), time(0), NEW_YORK),))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_monday_morning_reviews_since_friday_close() -> None:
    assert morning_of(OFFICE, _at("2026-03-02 14:00")) == Morning(
        "2026-03-02", _at("2026-03-02 14:00"), _at("2026-02-27 22:00")
    )


def test_closed_hours_have_no_review() -> None:
    assert morning_of(OFFICE, _at("2026-03-02 13:59")) is None
    assert morning_of(OFFICE, _at("2026-03-07 15:00")) is None  # Saturday


def test_the_afternoon_after_lunch_is_the_same_days_review() -> None:
    assert morning_of(SPLIT, _at("2026-03-03 19:00")) == Morning(
        "2026-03-03", _at("2026-03-03 14:00"), _at("2026-03-02 22:00")
    )


def test_a_calendar_that_never_closes_has_no_morning() -> None:
    assert morning_of(ALWAYS, _at("2026-03-03 19:00")) is None
