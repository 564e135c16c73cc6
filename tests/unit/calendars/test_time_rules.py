"""The time rules of docs/schedules.md ("Time rules") for calendars, with literal instants."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from onwatch.calendars.hours import Calendar, HolidaySet, Window, next_change
from onwatch.calendars.specs import parse_calendar_spec
from onwatch.calendars.status import calendar_status

NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = frozenset(range(7))


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def test_status_at_the_instant_memorial_day_ends_gives_juneteenth_as_the_next_change():
    around_the_clock = parse_calendar_spec(
        {
            "name": "around-the-clock",
            "time_zone": "America/New_York",
            "hours": [{"days": "daily", "opens": "00:00", "closes": "00:00"}],
            "holidays": "US",
        }
    )
    status = calendar_status(around_the_clock, ny(2026, 5, 26, 0, 0))
    assert status.is_open
    assert status.next_change_at == ny(2026, 6, 19, 0, 0)
    assert calendar_status(around_the_clock, ny(2026, 5, 26, 0, 0, 1)).next_change_at == ny(
        2026, 6, 19, 0, 0
    )


def test_a_calendar_open_until_exactly_eight_days_ahead_closes_then():
    # The same class of instant: a closing that falls exactly where the search's first stretch
    # ends (8 days), or its second (24 days), was skipped.
    around_the_clock = Calendar((Window(EVERY_DAY, time(0), time(0), NEW_YORK),), HolidaySet("US"))
    assert next_change(around_the_clock, ny(2026, 6, 11, 0, 0)) == ny(2026, 6, 19, 0, 0)
    assert next_change(around_the_clock, ny(2026, 6, 20, 0, 0)) == ny(2026, 7, 3, 0, 0)
    assert next_change(around_the_clock, ny(2026, 6, 9, 0, 0)) == ny(2026, 6, 19, 0, 0)
