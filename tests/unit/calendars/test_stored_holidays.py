"""A calendar stores the holidays of the years around the one it is stored in, and a calendar
read back answers from them: the same days as the library, without loading it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from onwatch.calendars.actions import STORED_YEARS, stored_form
from onwatch.calendars.hours import HolidaySet, holidays_by_year
from onwatch.calendars.models import StoredCalendar
from onwatch.calendars.queries import stored_holidays
from onwatch.calendars.specs import calendar_from_spec, parse_calendar_spec

SPEC = {
    "name": "office",
    "time_zone": "America/New_York",
    "holidays": "US",
    "hours": [{"days": "mon-fri", "opens": "09:00", "closes": "17:00"}],
}


def test_the_stored_years_are_those_around_the_year_of_storing() -> None:
    stored = stored_form(
        calendar_from_spec(parse_calendar_spec(SPEC)), datetime(2026, 5, 1, tzinfo=UTC)
    )
    assert sorted(stored) == [
        str(y) for y in range(2026 + STORED_YEARS[0], 2026 + STORED_YEARS[1] + 1)
    ]
    assert stored["2026"]["2026-06-19"] == "Juneteenth National Independence Day"


def test_a_calendar_read_back_gives_the_library_s_days_for_stored_years() -> None:
    spec = parse_calendar_spec(SPEC)
    row = StoredCalendar(
        name="office",
        spec={},
        holidays=stored_form(calendar_from_spec(spec), datetime(2026, 5, 1, tzinfo=UTC)),
    )
    read = calendar_from_spec(spec, stored_holidays(row))
    assert read.holidays is not None and read.holidays.known
    assert holidays_by_year(HolidaySet("US"), range(2026, 2027))[2026] == dict(
        read.holidays.known[2026]
    )
    assert date(2026, 7, 3) in read.holidays  # Independence Day, observed


def test_a_stored_day_is_what_a_read_calendar_answers_and_other_years_ask_the_library() -> None:
    known = {2026: {date(2026, 3, 9): "Founders' Day"}}
    holidays = HolidaySet("US", None, known)
    assert date(2026, 3, 9) in holidays and date(2026, 7, 3) not in holidays
    assert holidays.name_of(date(2026, 3, 9)) == "Founders' Day"
    assert date(2030, 7, 4) in holidays  # not stored: the library answers
