from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from onwatch.calendars.fields import parse_duration, parse_local_time, parse_weekdays
from onwatch.calendars.hours import HolidaySet, Window
from onwatch.calendars.specs import (
    AckRulesSpec,
    parse_ack_rules,
    parse_calendar,
    parse_calendar_spec,
)
from onwatch.core.errors import Invalid


def fields_of(error: Invalid) -> list[str]:
    return [e.field for e in error.errors]


def test_unknown_time_zone_is_invalid_naming_time_zone():
    with pytest.raises(Invalid) as caught:
        parse_calendar({"name": "x", "time_zone": "Mars/Olympus_Mons", "hours": []})
    assert fields_of(caught.value) == ["time_zone"]
    assert "Mars/Olympus_Mons" in caught.value.message


def test_unknown_holiday_country_is_invalid_naming_holidays_country():
    with pytest.raises(Invalid) as caught:
        parse_calendar({"name": "x", "time_zone": "UTC", "holidays": {"country": "XX"}})
    assert fields_of(caught.value) == ["holidays.country"]


def test_unknown_holiday_subdivision_is_invalid_naming_holidays_subdivision():
    with pytest.raises(Invalid) as caught:
        parse_calendar(
            {"name": "x", "time_zone": "UTC", "holidays": {"country": "US", "subdivision": "ZZ"}}
        )
    assert fields_of(caught.value) == ["holidays.subdivision"]


def test_every_bad_field_is_reported_at_once_with_its_path():
    with pytest.raises(Invalid) as caught:
        parse_calendar(
            {
                "name": "x",
                "time_zone": "UTC",
                "hours": [
                    {"days": "mon-fri", "opens": "07:00", "closes": "20:00"},
                    {"days": "mon-fun", "opens": "25:00", "closes_time_zone": "Nowhere/City"},
                ],
                "colour": "red",
            }
        )
    assert fields_of(caught.value) == [
        "hours[1].days",
        "hours[1].opens",
        "hours[1].closes_time_zone",
        "colour",
    ]


def test_a_time_yaml_read_as_a_number_is_refused_with_a_hint_to_quote_it():
    with pytest.raises(Invalid) as caught:
        parse_calendar({"name": "x", "time_zone": "UTC", "hours": [{"days": "sat", "opens": 540}]})
    assert fields_of(caught.value) == ["hours[0].opens"]
    assert "quotes" in caught.value.message


def test_holidays_default_to_us_and_can_be_switched_off_or_named_by_country():
    base = {"name": "x", "time_zone": "UTC"}
    assert parse_calendar(base).holidays == HolidaySet("US")
    assert parse_calendar({**base, "holidays": None}).holidays is None
    assert parse_calendar({**base, "holidays": "gb"}).holidays == HolidaySet("GB")


def test_holiday_set_built_directly_rejects_an_unknown_country():
    with pytest.raises(Invalid) as caught:
        HolidaySet("XX")
    assert fields_of(caught.value) == ["country"]


def test_window_without_days_is_invalid():
    with pytest.raises(Invalid) as caught:
        Window(frozenset(), time(9), time(17), ZoneInfo("UTC"))
    assert fields_of(caught.value) == ["days"]


def test_ack_rules_must_be_positive_durations():
    with pytest.raises(Invalid) as caught:
        parse_ack_rules({"inside_hours": "0m", "outside_hours": "soon"})
    assert fields_of(caught.value) == ["inside_hours", "outside_hours"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("60 minutes", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        ("12 hours", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("P14D", timedelta(days=14)),
        ("PT15M", timedelta(minutes=15)),
    ],
)
def test_durations_read_in_short_and_iso_forms(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        (["sat", "Sunday"], {5, 6}),
        ("fri-mon", {4, 5, 6, 0}),
        ("mon,wed", {0, 2}),
    ],
)
def test_weekdays_read_from_names_and_ranges(text, expected):
    assert parse_weekdays(text) == frozenset(expected)


def test_24_00_is_the_midnight_that_closes_a_day():
    assert parse_local_time("24:00") == time(0)
    assert parse_local_time("7:05") == time(7, 5)


def test_a_calendar_spec_dumps_to_the_form_it_was_written_in_and_reads_back_the_same():
    written = {
        "name": "checkin",
        "time_zone": "America/New_York",
        "hours": [
            {"days": "mon-fri", "opens": "07:00", "closes": "20:00"},
            {"days": "sat", "opens": "09:00", "closes": "24:00", "closes_time_zone": "UTC"},
        ],
        "holidays": {"country": "US", "subdivision": "CA"},
        "closed_dates": ["2026-12-24"],
        "open_dates": ["2026-11-27"],
    }
    spec = parse_calendar_spec(written)
    dumped = spec.model_dump(mode="json")
    assert dumped["hours"][0] == {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "07:00",
        "closes": "20:00",
        "time_zone": None,
        "closes_time_zone": None,
    }
    assert parse_calendar_spec(dumped) == spec
    assert parse_calendar(dumped) == parse_calendar(written)


def test_durations_dump_in_the_short_form():
    dumped = AckRulesSpec(inside_hours="15m", outside_hours="1h30m").model_dump(mode="json")
    assert dumped == {"inside_hours": "15m", "outside_hours": "1h30m"}
