from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from onwatch.core.errors import Invalid
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import Schedule, resolved_shifts, who_is_on_call
from onwatch.schedules.rotation import (
    MemberChange,
    Rotation,
    rotation_holder,
    shift_index,
    shift_start_at,
)
from onwatch.schedules.specs import parse_schedule

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def sprint_schedule() -> Schedule:
    """Seed 004: two-week sprints from a Wednesday, primary and secondary, the secondary of one
    sprint becoming the primary of the next."""
    return parse_schedule(
        {
            "name": "platform-on-call",
            "time_zone": "America/New_York",
            "layers": [
                {
                    "name": "sprint rotation",
                    "members": ["ann", "bob", "cat", "dan", "eve"],
                    "shift_length": "2w",
                    "handoff_time": "09:00",
                    "start_date": "2026-01-07",
                    "roles": ["primary", "secondary"],
                }
            ],
        }
    )


# Sprint start (a Wednesday, hand-off 09:00 New York), primary, secondary.
SPRINTS = [
    (date(2026, 1, 7), "ann", "bob"),
    (date(2026, 1, 21), "bob", "cat"),
    (date(2026, 2, 4), "cat", "dan"),
    (date(2026, 2, 18), "dan", "eve"),
    (date(2026, 3, 4), "eve", "ann"),
    (date(2026, 3, 18), "ann", "bob"),  # after the clocks went forward on March 8
]


@pytest.mark.parametrize(("starts_on", "primary", "secondary"), SPRINTS)
def test_sprint_rotation_matches_the_written_table(starts_on, primary, secondary):
    schedule = sprint_schedule()
    handoff_at = datetime.combine(starts_on, time(9), tzinfo=NEW_YORK)
    for at in (
        handoff_at,
        handoff_at + timedelta(days=7),
        handoff_at + timedelta(days=14, seconds=-1),
    ):
        assert who_is_on_call(schedule, "primary", at) == primary
        assert who_is_on_call(schedule, "secondary", at) == secondary


def test_the_secondary_of_each_sprint_is_the_primary_of_the_next():
    for (_, _, secondary), (_, next_primary, _) in zip(SPRINTS, SPRINTS[1:], strict=False):
        assert secondary == next_primary


def test_sprint_shifts_start_on_wednesdays_at_09_00_new_york_time():
    shifts = resolved_shifts(
        sprint_schedule(), "primary", ny(2026, 1, 7, 9, 0), ny(2026, 4, 1, 9, 0)
    )
    assert [(s.start_at.astimezone(NEW_YORK), s.holder) for s in shifts] == [
        (datetime.combine(d, time(9), tzinfo=NEW_YORK), p) for d, p, _ in SPRINTS
    ]
    assert all(s.start_at.astimezone(NEW_YORK).weekday() == 2 for s in shifts)


def test_nobody_is_on_call_before_the_rotation_starts():
    assert who_is_on_call(sprint_schedule(), "primary", ny(2026, 1, 7, 8, 59)) is None


def test_handoff_keeps_local_wall_clock_across_dst_in_new_york():
    daily = Rotation(("ann", "bob"), timedelta(days=1), date(2026, 3, 6), time(9), NEW_YORK)
    starts = [shift_start_at(daily, n) for n in range(4)]
    assert [s.astimezone(NEW_YORK).time() for s in starts] == [time(9)] * 4
    assert [s.hour for s in starts] == [14, 14, 13, 13]  # UTC: 09:00 EST, then 09:00 EDT
    assert starts[2] - starts[1] == timedelta(hours=23)


def test_handoff_keeps_local_wall_clock_across_dst_in_london_in_autumn():
    weekly = Rotation(("ann", "bob"), timedelta(weeks=1), date(2026, 10, 19), time(9), LONDON)
    starts = [shift_start_at(weekly, n) for n in range(3)]
    assert [s.astimezone(LONDON).time() for s in starts] == [time(9)] * 3
    assert [s.hour for s in starts] == [8, 9, 9]
    assert starts[1] - starts[0] == timedelta(weeks=1, hours=1)


def test_twelve_hour_shifts_hand_off_at_08_00_and_20_00_local_on_both_sides_of_dst():
    halves = Rotation(
        ("ann", "bob", "cat"), timedelta(hours=12), date(2026, 3, 7), time(8), NEW_YORK
    )
    starts = [shift_start_at(halves, n).astimezone(NEW_YORK) for n in range(6)]
    assert [s.hour for s in starts] == [8, 20, 8, 20, 8, 20]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def shift_lengths(rotation: Rotation, count: int) -> list[timedelta]:
    starts = [shift_start_at(rotation, n) for n in range(count + 1)]
    return [end - start for start, end in zip(starts, starts[1:], strict=False)]


def test_a_twelve_hour_night_shift_lasts_eleven_hours_when_new_york_springs_forward():
    halves = Rotation(("ann", "bob"), timedelta(hours=12), date(2026, 3, 7), time(8), NEW_YORK)
    assert shift_start_at(halves, 1) == utc(2026, 3, 8, 1, 0)  # Sat 20:00 EST
    assert shift_start_at(halves, 2) == utc(2026, 3, 8, 12, 0)  # Sun 08:00 EDT
    assert shift_lengths(halves, 3) == [
        timedelta(hours=12),
        timedelta(hours=11),
        timedelta(hours=12),
    ]


def test_a_twelve_hour_night_shift_lasts_thirteen_hours_when_new_york_falls_back():
    halves = Rotation(("ann", "bob"), timedelta(hours=12), date(2026, 10, 31), time(8), NEW_YORK)
    assert shift_start_at(halves, 1) == utc(2026, 11, 1, 0, 0)  # Sat 20:00 EDT
    assert shift_start_at(halves, 2) == utc(2026, 11, 1, 13, 0)  # Sun 08:00 EST
    assert shift_lengths(halves, 2) == [timedelta(hours=12), timedelta(hours=13)]
    assert rotation_holder(halves, utc(2026, 11, 1, 12, 59)) == "bob"


def test_twelve_hour_shifts_in_london_last_eleven_and_thirteen_hours_on_clock_change_nights():
    spring = Rotation(("ann", "bob"), timedelta(hours=12), date(2026, 3, 28), time(8), LONDON)
    assert shift_start_at(spring, 2) == utc(2026, 3, 29, 7, 0)  # 08:00 BST
    assert shift_lengths(spring, 2) == [timedelta(hours=12), timedelta(hours=11)]
    autumn = Rotation(("ann", "bob"), timedelta(hours=12), date(2026, 10, 24), time(8), LONDON)
    assert shift_start_at(autumn, 1) == utc(2026, 10, 24, 19, 0)  # 20:00 BST
    assert shift_lengths(autumn, 2) == [timedelta(hours=12), timedelta(hours=13)]


def test_a_handoff_inside_the_skipped_hour_moves_to_the_end_of_the_gap():
    nights = Rotation(("ann", "bob"), timedelta(days=1), date(2026, 3, 7), time(2, 30), NEW_YORK)
    assert shift_start_at(nights, 1) == ny(2026, 3, 8, 3, 0) == utc(2026, 3, 8, 7, 0)
    assert rotation_holder(nights, utc(2026, 3, 8, 6, 59)) == "ann"  # 01:59 EST
    assert rotation_holder(nights, ny(2026, 3, 8, 3, 0)) == "bob"
    assert shift_start_at(nights, 2) == ny(2026, 3, 9, 2, 30)  # back to 02:30 the next day


def test_a_handoff_in_london_inside_the_skipped_hour_moves_to_02_00_bst():
    nights = Rotation(("ann", "bob"), timedelta(days=1), date(2026, 3, 28), time(1, 30), LONDON)
    assert shift_start_at(nights, 1) == utc(2026, 3, 29, 1, 0)


def test_a_handoff_at_a_repeated_time_is_at_its_first_occurrence():
    nights = Rotation(("ann", "bob"), timedelta(days=1), date(2026, 10, 31), time(1, 30), NEW_YORK)
    assert shift_start_at(nights, 1) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST
    assert shift_lengths(nights, 2) == [timedelta(hours=24), timedelta(hours=25)]
    assert rotation_holder(nights, utc(2026, 11, 1, 6, 0)) == "bob"  # 01:00 EST, the second 01:00
    london = Rotation(("ann", "bob"), timedelta(days=1), date(2026, 10, 24), time(1, 30), LONDON)
    assert shift_start_at(london, 1) == utc(2026, 10, 25, 0, 30)  # 01:30 BST


def test_half_hour_shifts_inside_the_skipped_hour_are_empty_and_never_run_backwards():
    halves = Rotation(
        ("ann", "bob", "cat", "dan"), timedelta(minutes=30), date(2026, 3, 8), time(1, 30), NEW_YORK
    )
    starts = [shift_start_at(halves, n) for n in range(4)]
    assert starts == [
        utc(2026, 3, 8, 6, 30),  # 01:30 EST: ann
        utc(2026, 3, 8, 7, 0),  # 02:00, skipped: bob's turn is empty
        utc(2026, 3, 8, 7, 0),  # 02:30, skipped: cat's turn is empty
        utc(2026, 3, 8, 7, 0),  # 03:00 EDT: dan
    ]
    shifts = resolved_shifts(
        Schedule("halves", (Layer(halves),)), "primary", starts[0], utc(2026, 3, 8, 7, 30)
    )
    assert [(s.holder, s.start_at, s.end_at) for s in shifts] == [
        ("ann", starts[0], starts[3]),
        ("dan", starts[3], utc(2026, 3, 8, 7, 30)),
    ]


def test_shift_index_is_found_without_walking_from_the_start():
    weekly = Rotation(("ann", "bob"), timedelta(weeks=1), date(2000, 1, 5), time(9), LONDON)
    at = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # 09:00 British Summer Time
    assert shift_index(weekly, at) == 1378
    assert shift_index(weekly, at - timedelta(microseconds=1)) == 1377


def rotation_with(*changes: MemberChange) -> Rotation:
    return Rotation(
        ("ann", "bob", "cat"), timedelta(weeks=1), date(2026, 1, 5), time(9), NEW_YORK, changes
    )


def test_a_member_added_later_joins_the_end_of_the_order_without_disturbing_the_current_shift():
    rotation = rotation_with(MemberChange(ny(2026, 1, 14, 12, 0), "dan", "add"))
    holders = [
        rotation_holder(rotation, ny(2026, 1, 5, 10, 0) + timedelta(weeks=n)) for n in range(6)
    ]
    assert holders == ["ann", "bob", "cat", "dan", "ann", "bob"]


def test_a_member_removed_mid_shift_hands_over_to_the_next_member_at_that_instant():
    removed_at = ny(2026, 1, 14, 12, 0)
    rotation = rotation_with(MemberChange(removed_at, "bob", "remove"))
    assert rotation_holder(rotation, removed_at - timedelta(seconds=1)) == "bob"
    assert rotation_holder(rotation, removed_at) == "cat"
    assert rotation_holder(rotation, ny(2026, 1, 19, 10, 0)) == "ann"
    assert rotation_holder(rotation, ny(2026, 1, 26, 10, 0)) == "cat"


def test_membership_changes_do_not_rewrite_the_past():
    rotation = rotation_with(
        MemberChange(ny(2026, 2, 2, 9, 0), "ann", "remove"),
        MemberChange(ny(2026, 2, 2, 9, 0), "dan", "add"),
    )
    assert rotation_holder(rotation, ny(2026, 1, 5, 10, 0)) == "ann"
    assert rotation_holder(rotation, ny(2026, 1, 26, 10, 0)) == "ann"
    later = [
        rotation_holder(rotation, ny(2026, 2, 2, 10, 0) + timedelta(weeks=n)) for n in range(4)
    ]
    assert later == ["bob", "cat", "dan", "bob"]


def test_a_secondary_comes_from_the_member_list_in_force_at_the_instant():
    rotation = rotation_with(MemberChange(ny(2026, 1, 14, 12, 0), "dan", "add"))
    layer = Layer(rotation, ("primary", "secondary"))
    schedule = Schedule("s", (layer,))
    assert who_is_on_call(schedule, "secondary", ny(2026, 1, 19, 10, 0)) == "dan"
    assert who_is_on_call(schedule, "secondary", ny(2026, 1, 14, 11, 0)) == "cat"


def test_rotation_with_no_members_is_invalid_naming_members():
    with pytest.raises(Invalid) as caught:
        Rotation((), timedelta(days=1), date(2026, 1, 1), time(9), NEW_YORK)
    assert [e.field for e in caught.value.errors] == ["members"]


def test_removing_someone_who_is_not_a_member_is_invalid_naming_the_change():
    with pytest.raises(Invalid) as caught:
        rotation_with(MemberChange(ny(2026, 2, 2, 9, 0), "zed", "remove"))
    assert [e.field for e in caught.value.errors] == ["member_changes[0].handle"]


def test_a_rotation_starting_in_the_skipped_hour_starts_when_the_clock_resumes():
    nights = Rotation(("ann", "bob"), timedelta(days=1), date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert rotation_holder(nights, utc(2026, 3, 8, 6, 59)) is None  # 01:59 EST
    assert rotation_holder(nights, ny(2026, 3, 8, 3, 0)) == "ann"
