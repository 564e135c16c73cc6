from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.calendars.hours import Calendar, HolidaySet, Window
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import Schedule, gaps, resolved_shifts, who_is_on_call
from onwatch.schedules.overrides import Override
from onwatch.schedules.rotation import MemberChange, Rotation, rotation_holder, shift_start_at

ZONES = ["America/New_York", "Europe/London", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"]
PEOPLE = ["ann", "bob", "cat", "dan", "eve"]
TICK = timedelta(microseconds=1)
LENGTHS = [
    timedelta(hours=1),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(weeks=1),
    timedelta(weeks=2),
]
ROLE_SETS = [("primary",), ("primary", "secondary"), ("secondary",), ("primary", "secondary", "x")]

wall_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))
instants = st.datetimes(
    min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC)
)


def business_hours(zone: ZoneInfo) -> Calendar:
    return Calendar((Window(frozenset(range(5)), time(9), time(17), zone),), HolidaySet("US"))


@st.composite
def rotations(draw, members=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True)):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    initial = draw(members)
    current, changes = list(initial), []
    for effective_at in sorted(draw(st.lists(instants, max_size=3))):
        outsiders = [p for p in PEOPLE if p not in current]
        if current and (not outsiders or draw(st.booleans())):
            handle = draw(st.sampled_from(current))
            changes.append(MemberChange(effective_at, handle, "remove"))
            current.remove(handle)
        else:
            handle = draw(st.sampled_from(outsiders))
            changes.append(MemberChange(effective_at, handle, "add"))
            current.append(handle)
    return Rotation(
        tuple(initial),
        draw(st.sampled_from(LENGTHS)),
        draw(st.dates(date(2025, 1, 1), date(2026, 12, 31))),
        draw(wall_times),
        zone,
        tuple(changes),
    )


@st.composite
def schedules(draw) -> Schedule:
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        rotation = draw(rotations())
        restriction = draw(
            st.sampled_from(
                [
                    None,
                    business_hours(rotation.time_zone),
                    Calendar((Window(frozenset({5, 6}), time(0), time(0), rotation.time_zone),)),
                ]
            )
        )
        layers.append(Layer(rotation, draw(st.sampled_from(ROLE_SETS)), restriction))
    roles = list(dict.fromkeys(r for layer in layers for r in layer.roles))
    overrides = []
    for _ in range(draw(st.integers(0, 4))):
        start_at = draw(instants)
        covered = draw(st.none() | st.sampled_from(PEOPLE))
        role = (
            draw(st.sampled_from(roles))
            if covered is None
            else draw(st.none() | st.sampled_from(roles))
        )
        covering = draw(st.sampled_from([p for p in [*PEOPLE, "zed"] if p != covered]))
        overrides.append(
            Override(
                covering,
                start_at,
                start_at + draw(st.timedeltas(timedelta(minutes=30), timedelta(days=5))),
                covered,
                role,
                created_at=draw(st.none() | instants),
            )
        )
    return Schedule("generated", tuple(layers), tuple(overrides))


@st.composite
def ranges(draw) -> tuple[datetime, datetime]:
    start_at = draw(instants)
    return start_at, start_at + draw(st.timedeltas(timedelta(minutes=1), timedelta(days=45)))


@settings(deadline=None, max_examples=150)
@given(schedules(), ranges(), st.data())
def test_resolved_shifts_tile_the_range_with_no_overlap(schedule, span, data):
    start_at, end_at = span
    role = data.draw(st.sampled_from(schedule.roles))
    shifts = resolved_shifts(schedule, role, start_at, end_at)
    assert shifts[0].start_at == start_at
    assert shifts[-1].end_at == end_at
    for shift in shifts:
        assert shift.start_at < shift.end_at
        assert shift.role == role
    for before, after in zip(shifts, shifts[1:], strict=False):
        assert before.end_at == after.start_at
        assert (before.holder, before.override) != (after.holder, after.override)


@settings(deadline=None, max_examples=150)
@given(schedules(), ranges(), st.data())
def test_at_every_instant_each_role_has_exactly_one_holder_or_a_reported_gap(schedule, span, data):
    start_at, end_at = span
    role = data.draw(st.sampled_from(schedule.roles))
    shifts = resolved_shifts(schedule, role, start_at, end_at)
    reported = gaps(schedule, role, start_at, end_at)
    probes = [s.start_at for s in shifts] + [s.end_at - TICK for s in shifts]
    probes += data.draw(
        st.lists(
            st.datetimes(
                start_at.replace(tzinfo=None),
                (end_at - TICK).replace(tzinfo=None),
                timezones=st.just(UTC),
            ),
            max_size=5,
        )
    )
    for at in probes:
        holding = [s for s in shifts if s.start_at <= at < s.end_at]
        assert len(holding) == 1
        holder = who_is_on_call(schedule, role, at)
        assert holder == holding[0].holder
        if holder is None:
            assert sum(g.start_at <= at < g.end_at for g in reported) == 1


@settings(deadline=None, max_examples=150)
@given(schedules(), instants, st.data())
def test_the_latest_override_wins_over_layers_and_older_overrides(schedule, start_at, data):
    role = data.draw(st.sampled_from(schedule.roles))
    created_at = max([o.created_at for o in schedule.overrides if o.created_at] + [start_at])
    cover = Override(
        "zoe",
        start_at,
        start_at + data.draw(st.timedeltas(timedelta(minutes=1), timedelta(days=3))),
        role=role,
        created_at=created_at + timedelta(seconds=1),
    )
    covered = Schedule(schedule.name, schedule.layers, (*schedule.overrides, cover))
    shifts = resolved_shifts(covered, role, cover.start_at, cover.end_at)
    assert [(s.holder, s.override) for s in shifts] == [("zoe", cover)]
    at = data.draw(
        st.datetimes(
            start_at.replace(tzinfo=None),
            (cover.end_at - TICK).replace(tzinfo=None),
            timezones=st.just(UTC),
        )
    )
    assert who_is_on_call(covered, role, at) == "zoe"


@settings(deadline=None, max_examples=150)
@given(schedules(), instants, st.data())
def test_a_person_override_replaces_that_person_wherever_they_would_hold_the_role(
    schedule, at, data
):
    role = data.draw(st.sampled_from(schedule.roles))
    holder = who_is_on_call(schedule, role, at)
    if holder is None:
        return
    latest = max([o.created_at for o in schedule.overrides if o.created_at] + [at])
    cover = Override("zoe", at, at + timedelta(hours=1), covered=holder, created_at=latest + TICK)
    covered = Schedule(schedule.name, schedule.layers, (*schedule.overrides, cover))
    assert who_is_on_call(covered, role, at) == "zoe"


@settings(deadline=None, max_examples=100)
@given(
    st.sampled_from(["America/New_York", "Europe/London"]),
    st.builds(time, st.integers(4, 23), st.sampled_from([0, 15, 30, 45])),
    st.sampled_from([timedelta(days=1), timedelta(days=2), timedelta(weeks=1), timedelta(weeks=2)]),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_handoff_keeps_its_local_wall_clock_time_across_dst(zone_name, handoff, length, start_date):
    zone = ZoneInfo(zone_name)
    rotation = Rotation(("ann", "bob", "cat"), length, start_date, handoff, zone)
    schedule = Schedule("s", (Layer(rotation),))
    begin_at = rotation.start_at
    shifts = resolved_shifts(schedule, "primary", begin_at, begin_at + timedelta(days=400))
    handoffs_at = [s.start_at for s in shifts]
    assert all(h.astimezone(zone).time() == handoff for h in handoffs_at)
    assert len({h.astimezone(zone).utcoffset() for h in handoffs_at}) == 2  # both sides of DST


CLOCK_CHANGE_DATES = [
    date(2026, 3, 7),  # New York springs forward on the 8th
    date(2026, 3, 28),  # London on the 29th
    date(2026, 10, 3),  # Lord Howe moves 30 minutes on the 4th
    date(2026, 10, 24),  # London falls back on the 25th
    date(2026, 10, 31),  # New York on November 1st
]


@settings(deadline=None, max_examples=100, derandomize=True)
@given(
    st.sampled_from(ZONES),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.sampled_from([timedelta(minutes=30), timedelta(hours=1), timedelta(hours=12), *LENGTHS]),
    st.sampled_from(CLOCK_CHANGE_DATES),
)
def test_handoffs_at_skipped_or_repeated_times_follow_the_documented_rule(
    zone_name, handoff, length, start_date
):
    zone = ZoneInfo(zone_name)
    rotation = Rotation(("ann", "bob", "cat"), length, start_date, handoff, zone)
    anchor = datetime.combine(start_date, handoff)
    starts = [shift_start_at(rotation, n) for n in range(int(timedelta(days=3) / length) + 2)]
    for n, start_at in enumerate(starts):
        wall, local = anchor + n * length, start_at.astimezone(zone)
        if local.replace(tzinfo=None) == wall:
            assert local.fold == 0  # a repeated time: its first occurrence
        else:  # a skipped time: the first instant the clocks show a later one
            assert local.replace(tzinfo=None) > wall
            assert (start_at - TICK).astimezone(zone).replace(tzinfo=None) < wall
    assert starts == sorted(starts)  # hand-offs never run backwards across a gap
    schedule = Schedule("s", (Layer(rotation),))
    shifts = resolved_shifts(schedule, "primary", starts[0], starts[-1])
    for shift in shifts:
        assert shift.start_at in starts
        assert rotation_holder(rotation, shift.start_at) == shift.holder
