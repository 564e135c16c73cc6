"""When the digest of annoying errors is due, literal times against a New York office calendar
(09:00-17:00 Monday to Friday): at close of business daily, on the week's last business day
weekly (a holiday Friday moves it to Thursday), and without a calendar at 17:00 in the lead's
zone (weekly on Fridays)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from onwatch.calendars.hours import Calendar, HolidaySet, Window
from onwatch.errors.closing import close_of_business, due_day, is_last_business_day

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
OFFICE = Calendar((Window(frozenset(range(5)), time(9), time(17), NEW_YORK),))
# 2026-07-03, a Friday, is the observed Independence Day (the 4th is a Saturday).
US_OFFICE = Calendar(OFFICE.windows, holidays=HolidaySet("US"))
SPLIT = Calendar(
    (
        Window(frozenset(range(5)), time(9), time(12), NEW_YORK),
        Window(frozenset(range(5)), time(13), time(17), NEW_YORK),
    )
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_is_due_from_close_of_business() -> None:
    # Tuesday 2026-03-03: 17:00 in New York is 22:00 UTC (EST).
    assert due_day(OFFICE, "daily", _at("2026-03-03 21:59"), TOKYO) is None
    assert due_day(OFFICE, "daily", _at("2026-03-03 22:00"), TOKYO) == date(2026, 3, 3)
    assert due_day(OFFICE, "daily", _at("2026-03-04 04:59"), TOKYO) == date(2026, 3, 3)
    assert due_day(OFFICE, "daily", _at("2026-03-04 05:00"), TOKYO) is None  # the 4th began
    assert due_day(OFFICE, "daily", _at("2026-03-07 23:00"), TOKYO) is None  # a Saturday


def test_a_lunch_break_is_not_close_of_business() -> None:
    assert close_of_business(SPLIT, _at("2026-03-03 17:30")) is None
    assert close_of_business(SPLIT, _at("2026-03-03 22:00")) == _at("2026-03-03 22:00")


def test_weekly_is_due_on_the_last_business_day_of_the_week() -> None:
    assert due_day(OFFICE, "weekly", _at("2026-03-05 22:00"), TOKYO) is None  # Thursday
    assert due_day(OFFICE, "weekly", _at("2026-03-06 22:00"), TOKYO) == date(2026, 3, 6)
    assert is_last_business_day(OFFICE, date(2026, 3, 6))
    assert not is_last_business_day(OFFICE, date(2026, 3, 5))


def test_a_holiday_friday_moves_the_weekly_digest_to_thursday() -> None:
    # Thursday 2026-07-02, 17:00 EDT is 21:00 UTC.
    assert is_last_business_day(US_OFFICE, date(2026, 7, 2))
    assert due_day(US_OFFICE, "weekly", _at("2026-07-02 20:59"), TOKYO) is None
    assert due_day(US_OFFICE, "weekly", _at("2026-07-02 21:00"), TOKYO) == date(2026, 7, 2)
    assert due_day(US_OFFICE, "daily", _at("2026-07-03 21:00"), TOKYO) is None  # closed all day
    assert due_day(OFFICE, "weekly", _at("2026-07-02 21:00"), TOKYO) is None  # no holidays


def test_without_a_calendar_at_five_in_the_leads_zone_weekly_on_fridays() -> None:
    friday_five = datetime(2026, 3, 6, 17, 0, tzinfo=TOKYO)
    assert due_day(None, "daily", friday_five, TOKYO) == date(2026, 3, 6)
    assert due_day(None, "weekly", friday_five, TOKYO) == date(2026, 3, 6)
    thursday_five = datetime(2026, 3, 5, 17, 0, tzinfo=TOKYO)
    assert due_day(None, "daily", thursday_five, TOKYO) == date(2026, 3, 5)
    assert due_day(None, "weekly", thursday_five, TOKYO) is None
    assert due_day(None, "daily", datetime(2026, 3, 6, 16, 59, tzinfo=TOKYO), TOKYO) is None
