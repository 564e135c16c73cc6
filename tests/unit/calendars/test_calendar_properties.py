from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.calendars.hours import (
    Calendar,
    HolidaySet,
    Window,
    is_open,
    next_change,
    open_intervals,
)

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "UTC",
]
TICK = timedelta(microseconds=1)

wall_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@st.composite
def calendars(draw) -> Calendar:
    windows = []
    for _ in range(draw(st.integers(1, 3))):
        opens_zone = ZoneInfo(draw(st.sampled_from(ZONES)))
        closes_zone = draw(st.none() | st.sampled_from(ZONES).map(ZoneInfo))
        days = draw(st.frozensets(st.integers(0, 6), min_size=1))
        windows.append(Window(days, draw(wall_times), draw(wall_times), opens_zone, closes_zone))
    extra_dates = st.frozensets(st.dates(date(2025, 1, 1), date(2028, 12, 31)), max_size=20)
    return Calendar(
        tuple(windows),
        holidays=draw(st.none() | st.sampled_from([HolidaySet("US"), HolidaySet("GB", "SCT")])),
        closed_dates=draw(extra_dates),
        open_dates=draw(extra_dates),
    )


@settings(deadline=None, max_examples=150)
@given(calendars(), instants, st.integers(1, 30 * 24))
def test_is_open_agrees_with_open_intervals_at_every_instant(calendar, start_at, hours):
    end_at = start_at + timedelta(hours=hours)
    spans = open_intervals(calendar, start_at, end_at)
    for (_, closes_at), (opens_at, _) in zip(spans, spans[1:], strict=False):
        assert closes_at < opens_at  # merged: a closed stretch separates any two
    probes = [start_at, end_at - TICK, *(s for s, _ in spans), *(e - TICK for _, e in spans)]
    probes += [s for s, e in spans if e < end_at]
    for at in probes:
        inside = any(s <= at < e for s, e in spans)
        assert is_open(calendar, at) == inside, at


@settings(deadline=None, max_examples=150)
@given(calendars(), instants)
def test_next_change_is_the_first_instant_the_state_flips(calendar, at):
    was_open = is_open(calendar, at)
    change_at = next_change(calendar, at)
    if change_at is None:
        return
    assert change_at > at
    assert is_open(calendar, change_at) != was_open
    assert is_open(calendar, change_at - TICK) == was_open
    spans = open_intervals(calendar, at, change_at)
    if was_open:
        assert spans == [(at, change_at)]
    else:
        assert spans == []


# Boundary instants: where a window opens or closes, where a local date begins (a closed date
# starts or ends), where the clocks change, and a second either side of each. next_change is checked
# at every such instant of a stretch against a reference that only asks is_open.
STRETCH_DAYS = 12
LOOKAHEAD = timedelta(days=70)  # past the seams of a search that walks 8, then 16, then 32 days
SECOND = timedelta(seconds=1)
CLOCK_CHANGE_DATES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]
ALWAYS = frozenset(range(7))


@st.composite
def boundary_calendars(draw) -> Calendar:
    """Random windows, or a calendar open around the clock apart from its closed dates (the shape
    whose next change can be months away)."""
    if draw(st.booleans()):
        return draw(calendars())
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    windows = [Window(ALWAYS, time(0), time(0), zone)]
    if draw(st.booleans()):
        windows.append(Window(ALWAYS, time(22), time(6), zone))
    return Calendar(
        tuple(windows),
        holidays=draw(st.sampled_from([HolidaySet("US"), HolidaySet("GB", "SCT")])),
        closed_dates=draw(
            st.frozensets(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=8)
        ),
    )


def local_instants(calendar: Calendar, first: date, last: date) -> list[datetime]:
    """Every instant on the dates first..last at which the calendar can change state: each window
    opening and closing and each local midnight (read with fold=0, the first occurrence of a
    repeated time), and each change of the clocks (where a skipped time lands)."""
    found = set()
    day = first
    while day <= last:
        for window in calendar.windows:
            closes_zone = window.closes_time_zone or window.time_zone
            for wall, zone in ((window.opens, window.time_zone), (time(0), window.time_zone)):
                found.add(datetime.combine(day, wall, tzinfo=zone).astimezone(UTC))
            found.add(datetime.combine(day, window.closes, tzinfo=closes_zone).astimezone(UTC))
        day += timedelta(days=1)
    start_at = datetime.combine(first, time(0), tzinfo=UTC)
    end_at = datetime.combine(last, time(0), tzinfo=UTC)
    for window in calendar.windows:
        for zone in {window.time_zone, window.closes_time_zone or window.time_zone}:
            found.update(clock_changes(zone, start_at, end_at))
    return sorted(found)


def clock_changes(zone: ZoneInfo, start_at: datetime, end_at: datetime) -> list[datetime]:
    found, at = [], start_at
    while at < end_at:
        step_at = at + timedelta(days=1)
        if at.astimezone(zone).utcoffset() != step_at.astimezone(zone).utcoffset():
            low_at, high_at = at, step_at  # bisect to the second the offset changes
            while high_at - low_at > SECOND:
                middle_at = low_at + (high_at - low_at) // SECOND // 2 * SECOND
                if middle_at.astimezone(zone).utcoffset() == low_at.astimezone(zone).utcoffset():
                    low_at = middle_at
                else:
                    high_at = middle_at
            found.append(high_at)
        at = step_at
    return found


@settings(deadline=None, max_examples=60, derandomize=True)
@given(
    boundary_calendars(),
    st.dates(date(2025, 6, 1), date(2027, 6, 1)) | st.sampled_from(CLOCK_CHANGE_DATES),
)
def test_next_change_at_boundary_instants_matches_a_reference_that_only_asks_is_open(
    calendar, first
):
    last = first + timedelta(days=STRETCH_DAYS)
    edges = local_instants(calendar, first - timedelta(days=2), last + LOOKAHEAD)
    states = [is_open(calendar, edge) for edge in edges]
    start_at = datetime.combine(first, time(0), tzinfo=UTC)
    probes = [e for e in edges if start_at <= e < start_at + timedelta(days=STRETCH_DAYS)]
    for probe in probes:
        for at in (probe - SECOND, probe, probe + SECOND):
            was_open = is_open(calendar, at)
            expected = next(
                (
                    edge
                    for edge, state in zip(edges, states, strict=True)
                    if at < edge < at + LOOKAHEAD and state != was_open
                ),
                None,
            )
            assert next_change(calendar, at, LOOKAHEAD) == expected, at
