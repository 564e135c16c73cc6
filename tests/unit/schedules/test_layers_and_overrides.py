from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from onwatch.calendars.specs import parse_calendar
from onwatch.core.errors import Invalid
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import Schedule, on_call, resolved_shifts, who_is_on_call
from onwatch.schedules.overrides import Override
from onwatch.schedules.rotation import Rotation
from onwatch.schedules.specs import parse_schedule

NEW_YORK = ZoneInfo("America/New_York")


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def weekly(*members: str) -> Rotation:
    return Rotation(members, timedelta(weeks=1), date(2026, 1, 5), time(9), NEW_YORK)


def prod_squad(*overrides: Override) -> Schedule:
    """Seed 003: two people on duty, primary and backup, weekly."""
    return Schedule(
        "prod squad", (Layer(weekly("ann", "bob", "cat"), ("primary", "secondary")),), overrides
    )


MONDAY = ny(2026, 1, 12, 9, 0)  # bob primary, cat secondary this week


def test_the_backup_covers_the_primary_on_pto_and_the_override_wins():
    pto = Override("cat", ny(2026, 1, 13, 0, 0), ny(2026, 1, 15, 0, 0), covered="bob", reason="PTO")
    schedule = prod_squad(pto)
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 12, 23, 59)) == "bob"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 13, 12, 0)) == "cat"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 15, 0, 0)) == "bob"
    shifts = resolved_shifts(schedule, "primary", MONDAY, MONDAY + timedelta(weeks=1))
    assert [(s.holder, s.override) for s in shifts] == [("bob", None), ("cat", pto), ("bob", None)]


def test_a_person_override_applies_to_every_role_that_person_holds_unless_limited_to_one():
    appointment = Override("dan", ny(2026, 1, 13, 13, 0), ny(2026, 1, 13, 15, 0), covered="cat")
    at = ny(2026, 1, 13, 14, 0)
    assert on_call(prod_squad(appointment), at) == {"primary": "bob", "secondary": "dan"}
    only_primary = Override("dan", at, at + timedelta(hours=1), covered="bob", role="secondary")
    assert on_call(prod_squad(only_primary), at) == {"primary": "bob", "secondary": "cat"}


def test_a_role_override_replaces_whoever_holds_the_role():
    meeting = Override("eve", ny(2026, 1, 14, 10, 0), ny(2026, 1, 14, 12, 0), role="primary")
    assert who_is_on_call(prod_squad(meeting), "primary", ny(2026, 1, 14, 11, 0)) == "eve"
    assert who_is_on_call(prod_squad(meeting), "secondary", ny(2026, 1, 14, 11, 0)) == "cat"


def test_an_override_of_an_override_covers_the_cover():
    first = Override(
        "cat", ny(2026, 1, 13), ny(2026, 1, 16), covered="bob", created_at=ny(2026, 1, 1)
    )
    second = Override(
        "dan", ny(2026, 1, 14), ny(2026, 1, 15), covered="cat", created_at=ny(2026, 1, 2)
    )
    schedule = prod_squad(second, first)  # listed out of order: creation time decides
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 13, 12, 0)) == "cat"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 14, 12, 0)) == "dan"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 15, 12, 0)) == "cat"


def test_of_two_role_overrides_the_latest_created_wins():
    older = Override(
        "dan", ny(2026, 1, 13), ny(2026, 1, 14), role="primary", created_at=ny(2026, 1, 1)
    )
    newer = Override(
        "eve", ny(2026, 1, 13), ny(2026, 1, 14), role="primary", created_at=ny(2026, 1, 2)
    )
    assert who_is_on_call(prod_squad(newer, older), "primary", ny(2026, 1, 13, 12, 0)) == "eve"


def test_override_that_ends_before_it_starts_is_invalid_naming_end_at():
    with pytest.raises(Invalid) as caught:
        Override("cat", ny(2026, 1, 14), ny(2026, 1, 13), covered="bob")
    assert [e.field for e in caught.value.errors] == ["end_at"]


def test_override_for_a_role_the_schedule_does_not_have_is_invalid():
    with pytest.raises(Invalid) as caught:
        prod_squad(Override("cat", ny(2026, 1, 13), ny(2026, 1, 14), role="tertiary"))
    assert [e.field for e in caught.value.errors] == ["overrides[0].role"]


def test_a_higher_layer_wins_where_it_has_someone_and_the_lower_one_fills_the_rest():
    business_hours = parse_calendar(
        {
            "name": "bh",
            "time_zone": "America/New_York",
            "hours": [{"days": "mon-fri", "opens": "09:00", "closes": "17:00"}],
        }
    )
    schedule = Schedule(
        "s",
        (
            Layer(weekly("night-owl")),
            Layer(weekly("ann", "bob"), restriction=business_hours),
        ),
    )
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 6, 10, 0)) == "ann"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 6, 17, 0)) == "night-owl"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 10, 10, 0)) == "night-owl"  # Saturday
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 19, 10, 0)) == "night-owl"  # MLK Day


def test_business_hours_only_coverage_leaves_nights_and_weekends_empty():
    """Seed 001: the process applies Monday to Friday, 9 am ET to 5 pm PT, and nobody is asked to
    respond outside those hours."""
    coverage = parse_calendar(
        {
            "name": "mobile-coverage",
            "time_zone": "America/New_York",
            "hours": [
                {
                    "days": "mon-fri",
                    "opens": "09:00",
                    "closes": "17:00",
                    "closes_time_zone": "America/Los_Angeles",
                }
            ],
        }
    )
    schedule = parse_schedule(
        {
            "name": "incident-commander",
            "time_zone": "America/New_York",
            "layers": [
                {
                    "members": ["ann", "bob"],
                    "shift_length": "1w",
                    "start_date": "2026-03-02",
                    "roles": ["commander", "backup"],
                    "restrict_to": {"calendar": "mobile-coverage"},
                }
            ],
        },
        {"mobile-coverage": coverage},
    )
    monday = resolved_shifts(schedule, "commander", ny(2026, 3, 2, 0, 0), ny(2026, 3, 3, 0, 0))
    assert [(s.holder, s.start_at.astimezone(NEW_YORK).hour) for s in monday] == [
        (None, 0),
        ("ann", 9),
        (None, 20),
    ]
    assert who_is_on_call(schedule, "backup", ny(2026, 3, 2, 19, 0)) == "bob"
    assert who_is_on_call(schedule, "commander", ny(2026, 3, 7, 12, 0)) is None


def test_independent_roles_rotate_on_their_own_layers():
    schedule = Schedule(
        "two roles",
        (
            Layer(weekly("ann", "bob"), ("primary",)),
            Layer(
                Rotation(
                    ("cat", "dan", "eve"), timedelta(days=1), date(2026, 1, 5), time(9), NEW_YORK
                ),
                ("secondary",),
            ),
        ),
    )
    days = [ny(2026, 1, 5, 10, 0) + timedelta(days=n) for n in range(4)]
    assert [on_call(schedule, at) for at in days] == [
        {"primary": "ann", "secondary": "cat"},
        {"primary": "ann", "secondary": "dan"},
        {"primary": "ann", "secondary": "eve"},
        {"primary": "ann", "secondary": "cat"},
    ]


def test_weekday_only_restriction_written_as_days():
    schedule = parse_schedule(
        {
            "name": "s",
            "time_zone": "America/New_York",
            "layers": [
                {"members": ["weekend"], "shift_length": "1d", "start_date": "2026-01-01"},
                {
                    "members": ["ann", "bob"],
                    "shift_length": "1w",
                    "start_date": "2026-01-05",
                    "handoff_time": "00:00",
                    "restrict_to": {"days": "mon-fri"},
                },
            ],
        }
    )
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 9, 23, 59)) == "ann"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 10, 0, 0)) == "weekend"
    assert who_is_on_call(schedule, "primary", ny(2026, 1, 12, 0, 0)) == "bob"
