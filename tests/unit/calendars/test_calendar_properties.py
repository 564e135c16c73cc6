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
