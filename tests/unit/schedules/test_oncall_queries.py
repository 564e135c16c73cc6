from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from onwatch.calendars.hours import Calendar, Window
from onwatch.core.errors import Invalid
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import (
    HandOff,
    Schedule,
    gaps,
    handoffs,
    next_handoff,
    resolved_shifts,
    who_is_on_call,
)
from onwatch.schedules.overrides import Override
from onwatch.schedules.rotation import MemberChange, Rotation

NEW_YORK = ZoneInfo("America/New_York")


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def sprints(*overrides: Override) -> Schedule:
    rotation = Rotation(
        ("ann", "bob", "cat"), timedelta(weeks=2), date(2026, 1, 7), time(9), NEW_YORK
    )
    return Schedule("platform", (Layer(rotation, ("primary", "secondary")),), overrides)


def test_resolved_shifts_tile_the_range_with_a_gap_before_the_rotation_starts():
    shifts = resolved_shifts(sprints(), "primary", ny(2026, 1, 1, 0, 0), ny(2026, 2, 1, 0, 0))
    assert [(s.holder, s.start_at, s.end_at) for s in shifts] == [
        (None, ny(2026, 1, 1, 0, 0), ny(2026, 1, 7, 9, 0)),
        ("ann", ny(2026, 1, 7, 9, 0), ny(2026, 1, 21, 9, 0)),
        ("bob", ny(2026, 1, 21, 9, 0), ny(2026, 2, 1, 0, 0)),
    ]


def test_gaps_are_the_stretches_with_nobody():
    found = gaps(sprints(), "primary", ny(2026, 1, 1, 0, 0), ny(2026, 2, 1, 0, 0))
    assert [(g.start_at, g.end_at) for g in found] == [(ny(2026, 1, 1, 0, 0), ny(2026, 1, 7, 9, 0))]


def test_gaps_outside_the_coverage_calendar_are_not_reported():
    weekday_days = Calendar((Window(frozenset(range(5)), time(9), time(17), NEW_YORK),))
    rotation = Rotation(("ann",), timedelta(days=1), date(2026, 1, 1), time(9), NEW_YORK)
    schedule = Schedule(
        "day desk", (Layer(rotation, restriction=weekday_days),), coverage=weekday_days
    )
    assert gaps(schedule, "primary", ny(2026, 1, 5, 0, 0), ny(2026, 1, 12, 0, 0)) == []
    uncovered = Schedule("day desk", (Layer(rotation, restriction=weekday_days),))
    assert len(gaps(uncovered, "primary", ny(2026, 1, 5, 0, 0), ny(2026, 1, 12, 0, 0))) == 6


def test_gaps_left_when_the_last_member_leaves_are_reported_inside_coverage():
    always = Calendar((Window(frozenset(range(7)), time(0), time(0), NEW_YORK),))
    rotation = Rotation(
        ("ann",),
        timedelta(days=1),
        date(2026, 1, 1),
        time(9),
        NEW_YORK,
        (MemberChange(ny(2026, 1, 3, 12, 0), "ann", "remove"),),
    )
    schedule = Schedule("s", (Layer(rotation),), coverage=always)
    found = gaps(schedule, "primary", ny(2026, 1, 2, 0, 0), ny(2026, 1, 5, 0, 0))
    assert [(g.start_at, g.end_at) for g in found] == [
        (ny(2026, 1, 3, 12, 0), ny(2026, 1, 5, 0, 0))
    ]


def test_handoffs_between_two_instants_name_outgoing_and_incoming_for_each_role():
    found = handoffs(sprints(), ny(2026, 1, 8, 0, 0), ny(2026, 2, 4, 9, 0))
    assert found == [
        HandOff("platform", "primary", ny(2026, 1, 21, 9, 0), "ann", "bob"),
        HandOff("platform", "secondary", ny(2026, 1, 21, 9, 0), "bob", "cat"),
        HandOff("platform", "primary", ny(2026, 2, 4, 9, 0), "bob", "cat"),
        HandOff("platform", "secondary", ny(2026, 2, 4, 9, 0), "cat", "ann"),
    ]


def test_handoff_windows_are_open_at_the_start_and_closed_at_the_end_so_ticks_see_each_once():
    handoff_at = ny(2026, 1, 21, 9, 0)
    assert len(handoffs(sprints(), handoff_at - timedelta(hours=1), handoff_at)) == 2
    assert handoffs(sprints(), handoff_at, handoff_at + timedelta(hours=1)) == []


def test_overrides_start_and_end_are_handoffs_too():
    pto = Override("cat", ny(2026, 1, 12, 9, 0), ny(2026, 1, 13, 9, 0), covered="ann")
    found = handoffs(sprints(pto), ny(2026, 1, 10), ny(2026, 1, 20), role="primary")
    assert [(h.at, h.outgoing, h.incoming) for h in found] == [
        (ny(2026, 1, 12, 9, 0), "ann", "cat"),
        (ny(2026, 1, 13, 9, 0), "cat", "ann"),
    ]


def test_next_handoff_finds_the_next_change_of_any_role_primary_first():
    assert next_handoff(sprints(), ny(2026, 1, 10, 0, 0)) == HandOff(
        "platform", "primary", ny(2026, 1, 21, 9, 0), "ann", "bob"
    )
    assert next_handoff(sprints(), ny(2026, 1, 21, 9, 0), role="secondary") == HandOff(
        "platform", "secondary", ny(2026, 2, 4, 9, 0), "cat", "ann"
    )


def test_next_handoff_is_none_when_one_person_holds_the_role_for_ever():
    alone = Rotation(("ann",), timedelta(weeks=1), date(2026, 1, 1), time(9), NEW_YORK)
    schedule = Schedule("solo", (Layer(alone),))
    assert next_handoff(schedule, ny(2026, 1, 2)) is None


def test_asking_for_a_role_the_schedule_does_not_have_is_invalid_naming_role():
    with pytest.raises(Invalid) as caught:
        who_is_on_call(sprints(), "tertiary", ny(2026, 1, 10))
    assert [e.field for e in caught.value.errors] == ["role"]


def test_a_range_that_ends_before_it_starts_is_invalid():
    with pytest.raises(Invalid):
        resolved_shifts(sprints(), "primary", ny(2026, 2, 1), ny(2026, 1, 1))


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="naive"):
        who_is_on_call(sprints(), "primary", datetime(2026, 1, 10, 12, 0))


def test_instants_in_any_zone_give_the_same_answer():
    at = ny(2026, 1, 21, 9, 0)
    assert who_is_on_call(sprints(), "primary", at.astimezone(UTC)) == "bob"
    assert who_is_on_call(sprints(), "primary", at.astimezone(ZoneInfo("Asia/Tokyo"))) == "bob"
