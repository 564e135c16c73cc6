"""The time rules of docs/schedules.md ("Time rules") for calendars, with literal instants."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from onwatch.calendars.hours import (
    Calendar,
    HolidaySet,
    Window,
    is_open,
    next_change,
    open_intervals,
)
from onwatch.calendars.instants import parse_instant, wall_instant
from onwatch.calendars.specs import parse_calendar_spec
from onwatch.calendars.status import calendar_status

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
EVERY_DAY = frozenset(range(7))


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def us_nights() -> Calendar:
    return Calendar((Window(EVERY_DAY, time(22), time(6), NEW_YORK),), HolidaySet("US"))


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


def test_a_holiday_closes_its_own_date_and_not_the_morning_after():
    nights = us_nights()
    assert is_open(nights, ny(2026, 11, 25, 23, 59))  # the Wednesday night runs until midnight
    assert not is_open(nights, ny(2026, 11, 26, 0, 0))  # Thanksgiving, 00:00 to 00:00
    assert not is_open(nights, ny(2026, 11, 26, 5, 59))
    assert not is_open(nights, ny(2026, 11, 26, 23, 0))
    assert is_open(nights, ny(2026, 11, 27, 0, 0))  # Thanksgiving night resumes on Friday
    assert is_open(nights, ny(2026, 11, 27, 5, 59))
    assert not is_open(nights, ny(2026, 11, 27, 6, 0))


def test_open_intervals_and_next_change_cut_a_night_at_the_holiday_midnight():
    nights = us_nights()
    assert open_intervals(nights, ny(2026, 11, 25, 12, 0), ny(2026, 11, 28, 12, 0)) == [
        (ny(2026, 11, 25, 22, 0), ny(2026, 11, 26, 0, 0)),
        (ny(2026, 11, 27, 0, 0), ny(2026, 11, 27, 6, 0)),
        (ny(2026, 11, 27, 22, 0), ny(2026, 11, 28, 6, 0)),
    ]
    assert next_change(nights, ny(2026, 11, 25, 22, 0)) == ny(2026, 11, 26, 0, 0)
    assert next_change(nights, ny(2026, 11, 26, 0, 0)) == ny(2026, 11, 27, 0, 0)


def test_days_pick_a_night_by_the_evening_it_starts_and_a_closed_date_still_cuts_it():
    weeknights = Calendar(
        (Window(frozenset(range(5)), time(22), time(6), LONDON),),
        closed_dates=frozenset({date(2026, 7, 11)}),  # a Saturday
    )
    friday_night = datetime(2026, 7, 4, 3, 0, tzinfo=LONDON)  # Saturday 03:00, after Friday 22:00
    assert is_open(weeknights, friday_night)
    assert not is_open(weeknights, datetime(2026, 7, 5, 3, 0, tzinfo=LONDON))  # no Saturday night
    assert is_open(weeknights, datetime(2026, 7, 10, 23, 59, tzinfo=LONDON))
    assert not is_open(weeknights, datetime(2026, 7, 11, 0, 0, tzinfo=LONDON))


def test_an_open_date_lifts_the_closure_of_its_own_date_only():
    nights = Calendar(
        us_nights().windows, HolidaySet("US"), open_dates=frozenset({date(2026, 11, 26)})
    )
    assert is_open(nights, ny(2026, 11, 26, 3, 0))
    assert is_open(nights, ny(2026, 11, 26, 23, 0))
    assert is_open(nights, ny(2026, 11, 27, 3, 0))


def test_a_window_that_opens_in_the_skipped_hour_opens_when_the_clocks_resume():
    early = Calendar((Window(EVERY_DAY, time(2, 30), time(3, 15), NEW_YORK),))
    assert open_intervals(early, ny(2026, 3, 8, 0, 0), ny(2026, 3, 8, 12, 0)) == [
        (utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 15)),  # 03:00-03:15 EDT: 15 minutes
    ]
    assert not is_open(early, utc(2026, 3, 8, 7, 15))


def test_a_window_wholly_inside_the_skipped_hour_is_closed_that_night_and_no_longer():
    skipped = Calendar((Window(EVERY_DAY, time(2, 15), time(2, 45), NEW_YORK),))
    assert open_intervals(skipped, ny(2026, 3, 7, 12, 0), ny(2026, 3, 9, 12, 0)) == [
        (ny(2026, 3, 9, 2, 15), ny(2026, 3, 9, 2, 45)),
    ]
    assert next_change(skipped, ny(2026, 3, 7, 12, 0)) == ny(2026, 3, 9, 2, 15)


def test_a_window_that_opens_at_a_repeated_time_opens_at_its_first_occurrence():
    small_hours = Calendar((Window(EVERY_DAY, time(1, 30), time(2, 30), NEW_YORK),))
    assert open_intervals(small_hours, ny(2026, 11, 1, 0, 0), ny(2026, 11, 1, 12, 0)) == [
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7, 30)),  # 01:30 EDT to 02:30 EST: two hours
    ]


def test_wall_instant_moves_a_skipped_time_to_the_end_of_the_gap():
    assert wall_instant(datetime(2026, 3, 8, 2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert wall_instant(datetime(2026, 3, 8, 2, 0), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert wall_instant(datetime(2026, 3, 8, 1, 59), NEW_YORK) == utc(2026, 3, 8, 6, 59)
    assert wall_instant(datetime(2026, 3, 29, 1, 30), LONDON) == utc(2026, 3, 29, 1, 0)
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # clocks go from 02:00 to 02:30
    assert wall_instant(datetime(2026, 10, 4, 2, 15), lord_howe) == utc(2026, 10, 3, 15, 30)


def test_wall_instant_takes_the_first_of_a_repeated_time():
    assert wall_instant(datetime(2026, 11, 1, 1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    assert wall_instant(datetime(2026, 10, 25, 1, 30), LONDON) == utc(2026, 10, 25, 0, 30)


def test_a_bare_date_is_the_first_instant_of_that_date_even_when_midnight_is_skipped():
    santiago = ZoneInfo("America/Santiago")  # 2026-09-06 begins at 01:00
    assert parse_instant("2026-09-06", "at", santiago) == utc(2026, 9, 6, 4, 0)
