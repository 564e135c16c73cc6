from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from onwatch.calendars.deadlines import AckRules, ack_deadline, ack_due_at
from onwatch.calendars.hours import (
    Calendar,
    HolidaySet,
    Window,
    is_open,
    next_change,
    open_intervals,
)
from onwatch.calendars.specs import parse_ack_rules, parse_calendar

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
WEEKDAYS = frozenset(range(5))


def checkin_calendar() -> Calendar:
    """Seed 002: business hours 07:00-20:00 ET; nights, weekends and US holidays outside."""
    return parse_calendar(
        {
            "name": "checkin-business-hours",
            "time_zone": "America/New_York",
            "hours": [{"days": "mon-fri", "opens": "07:00", "closes": "20:00"}],
            "holidays": {"country": "US"},
        }
    )


def checkin_rules() -> AckRules:
    return parse_ack_rules({"inside_hours": "15m", "outside_hours": "60 minutes"})


def mobile_coverage() -> Calendar:
    """Seed 001: Monday to Friday, 9 am Eastern to 5 pm Pacific."""
    return parse_calendar(
        {
            "name": "mobile-coverage",
            "time_zone": "America/New_York",
            "hours": [
                {
                    "days": ["mon-fri"],
                    "opens": "09:00",
                    "closes": "17:00",
                    "closes_time_zone": "America/Los_Angeles",
                }
            ],
            "holidays": None,
        }
    )


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def test_thanksgiving_2026_is_outside_business_hours_with_the_long_deadline():
    at = ny(2026, 11, 26, 10, 0)
    assert not is_open(checkin_calendar(), at)
    assert ack_deadline(checkin_rules(), checkin_calendar(), at).total_seconds() == 60 * 60


def test_a_saturday_afternoon_is_outside_business_hours_with_the_long_deadline():
    at = ny(2026, 11, 28, 14, 0)
    assert not is_open(checkin_calendar(), at)
    assert ack_deadline(checkin_rules(), checkin_calendar(), at).total_seconds() == 60 * 60


def test_tuesday_at_19_59_is_inside_business_hours_with_the_short_deadline():
    at = ny(2026, 11, 24, 19, 59)
    assert is_open(checkin_calendar(), at)
    assert ack_deadline(checkin_rules(), checkin_calendar(), at).total_seconds() == 15 * 60
    assert ack_due_at(checkin_rules(), checkin_calendar(), at) == datetime(
        2026, 11, 25, 1, 14, tzinfo=UTC
    )


def test_tuesday_at_20_00_is_outside_business_hours_with_the_long_deadline():
    at = ny(2026, 11, 24, 20, 0)
    assert not is_open(checkin_calendar(), at)
    assert ack_deadline(checkin_rules(), checkin_calendar(), at).total_seconds() == 60 * 60


def test_business_hours_open_at_07_00_sharp_in_summer_and_winter():
    assert is_open(checkin_calendar(), ny(2026, 7, 14, 7, 0))
    assert not is_open(checkin_calendar(), ny(2026, 7, 14, 6, 59))
    assert is_open(checkin_calendar(), ny(2026, 1, 13, 7, 0))
    assert not is_open(checkin_calendar(), ny(2026, 1, 13, 6, 59))


def test_observed_holiday_closes_the_friday_before_a_saturday_fourth_of_july():
    assert not is_open(checkin_calendar(), ny(2026, 7, 3, 12, 0))
    assert checkin_calendar().holidays.name_of(date(2026, 7, 3)) == "Independence Day (observed)"


def test_next_change_after_closing_on_the_wednesday_before_thanksgiving_skips_to_friday():
    assert next_change(checkin_calendar(), ny(2026, 11, 25, 20, 0)) == ny(2026, 11, 27, 7, 0)


def test_next_change_inside_business_hours_is_closing_time():
    assert next_change(checkin_calendar(), ny(2026, 11, 24, 19, 59)) == ny(2026, 11, 24, 20, 0)


def test_next_change_from_a_saturday_is_monday_morning():
    assert next_change(checkin_calendar(), ny(2026, 11, 28, 14, 0)) == ny(2026, 11, 30, 7, 0)


def test_coverage_window_opens_at_9_eastern_and_closes_at_5_pacific():
    coverage = mobile_coverage()
    assert not is_open(coverage, ny(2026, 3, 2, 8, 59))
    assert is_open(coverage, ny(2026, 3, 2, 9, 0))
    assert is_open(coverage, ny(2026, 3, 2, 19, 59))  # 16:59 in Los Angeles
    assert not is_open(coverage, ny(2026, 3, 2, 20, 0))  # 17:00 in Los Angeles
    assert not is_open(coverage, ny(2026, 3, 7, 12, 0))  # a Saturday


def test_coverage_window_is_eleven_hours_long_and_ends_on_pacific_time():
    spans = open_intervals(
        coverage := mobile_coverage(), ny(2026, 3, 2, 0, 0), ny(2026, 3, 3, 0, 0)
    )
    assert spans == [(ny(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 17, 0, tzinfo=LOS_ANGELES))]
    assert next_change(coverage, ny(2026, 3, 6, 12, 0)) == datetime(
        2026, 3, 6, 17, 0, tzinfo=LOS_ANGELES
    )
    assert next_change(coverage, ny(2026, 3, 6, 20, 0)) == ny(2026, 3, 9, 9, 0)


def test_coverage_window_keeps_local_ends_across_the_spring_clock_change():
    spans = open_intervals(mobile_coverage(), ny(2026, 3, 6, 0, 0), ny(2026, 3, 11, 0, 0))
    local_ends = [
        (s.astimezone(NEW_YORK).time(), e.astimezone(LOS_ANGELES).time()) for s, e in spans
    ]
    assert local_ends == [(time(9), time(17))] * 3
    assert [(s.day, s.hour) for s, _ in spans] == [(6, 14), (9, 13), (10, 13)]  # UTC


def test_extra_closed_date_closes_an_ordinary_weekday():
    calendar = Calendar(
        (Window(WEEKDAYS, time(7), time(20), NEW_YORK),),
        closed_dates=frozenset({date(2026, 12, 24)}),
    )
    assert not is_open(calendar, ny(2026, 12, 24, 12, 0))
    assert is_open(calendar, ny(2026, 12, 23, 12, 0))


def test_extra_open_date_cancels_a_holiday():
    calendar = Calendar(
        (Window(WEEKDAYS, time(7), time(20), NEW_YORK),),
        holidays=HolidaySet("US"),
        open_dates=frozenset({date(2026, 11, 26)}),
    )
    assert is_open(calendar, ny(2026, 11, 26, 12, 0))
    assert not is_open(calendar, ny(2026, 11, 26, 21, 0))


def test_extra_open_saturday_borrows_the_hours_of_friday():
    calendar = Calendar(
        (
            Window(frozenset({0, 1, 2, 3}), time(7), time(20), NEW_YORK),
            Window(frozenset({4}), time(7), time(15), NEW_YORK),
        ),
        open_dates=frozenset({date(2026, 11, 28)}),
    )
    assert is_open(calendar, ny(2026, 11, 28, 14, 59))
    assert not is_open(calendar, ny(2026, 11, 28, 15, 0))
    assert not is_open(calendar, ny(2026, 11, 29, 12, 0))


def test_whole_day_windows_merge_into_one_open_stretch():
    weekdays = Calendar((Window(WEEKDAYS, time(0), time(0), NEW_YORK),))
    spans = open_intervals(weekdays, ny(2026, 3, 1, 0, 0), ny(2026, 3, 15, 0, 0))
    assert spans == [
        (ny(2026, 3, 2, 0, 0), ny(2026, 3, 7, 0, 0)),
        (ny(2026, 3, 9), ny(2026, 3, 14)),
    ]


def test_holidays_of_another_country_and_subdivision_apply():
    bavaria = Calendar(
        (Window(WEEKDAYS, time(8), time(17), ZoneInfo("Europe/Berlin")),),
        holidays=HolidaySet("DE", "BY"),
    )
    epiphany = datetime(2026, 1, 6, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert not is_open(bavaria, epiphany)
    berlin = Calendar(bavaria.windows, holidays=HolidaySet("DE", "BE"))
    assert is_open(berlin, epiphany)


def test_a_calendar_without_windows_never_opens_and_has_no_next_change():
    assert not is_open(Calendar(()), ny(2026, 1, 5, 12, 0))
    assert next_change(Calendar(()), ny(2026, 1, 5, 12, 0)) is None
