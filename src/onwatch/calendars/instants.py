"""Instants from local wall-clock times, by one rule for every calendar and schedule (a time the
clocks skip is when they resume, a time they repeat is its first occurrence), and instants as
people type them: ISO 8601 with an offset (or Z), or a bare date meaning midnight in a zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime

from onwatch.core.errors import Invalid

EXAMPLE = "2026-03-04T09:00-05:00, 2026-03-04T14:00Z or 2026-03-04"
_SECOND = timedelta(seconds=1)
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = _UTC_EPOCH.replace(tzinfo=None)  # the same wall time, to subtract local times from


def wall_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant at which clocks in `zone` show the naive `wall` time. When they show it
    twice (autumn), the first time; when never (spring), the instant they resume after the gap:
    02:30 on a New York spring-forward day is 03:00 EDT. Unlike reading the skipped time with the
    offset before the gap (03:30), this keeps wall times in order, so a 02:30-03:15 window stays
    15 minutes long and later hand-offs never come before earlier ones."""
    if wall.fold:
        wall = wall.replace(fold=0)
    # Rotations call this once a shift, so it avoids datetime.replace where it can: the zone reads
    # a naive time as its own local time, and the epochs turn local minus offset into UTC.
    before, after = zone.utcoffset(wall), zone.utcoffset(wall.replace(fold=1))
    assert before is not None and after is not None
    if before >= after:  # an ordinary time, or one that repeats: fold=0 is its first occurrence
        return _UTC_EPOCH + (wall - _NAIVE_EPOCH - before)
    # Skipped: the clocks went from `before` to `after` at one instant within this range. tzdata
    # changes offsets on whole seconds, so a search by seconds finds it exactly.
    low_at = (wall - after).replace(tzinfo=UTC, microsecond=0)  # still on the old offset
    high_at = low_at + (after - before)  # already on the new one
    while high_at - low_at > _SECOND:
        middle_at = low_at + (high_at - low_at) // _SECOND // 2 * _SECOND
        if middle_at.astimezone(zone).utcoffset() == after:
            high_at = middle_at
        else:
            low_at = middle_at
    return high_at


# The instants onwatch takes: any a schedule or an alert may name, and far enough from the end
# of datetime (year 9999) that a look-ahead or a long duration added to one still fits.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "must be from the year 1900 to 8999"


def in_range(instant: datetime) -> datetime:
    """`instant` in UTC; ValueError if it is outside EARLIEST..LATEST (or its offset would
    carry it past the years datetime holds)."""
    try:
        utc = instant.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(OUT_OF_RANGE)
    return utc


def _in_range_keeping_offset(instant: datetime) -> datetime:
    in_range(instant)
    return instant


# An aware datetime in a request body, within EARLIEST..LATEST.
Instant = Annotated[AwareDatetime, AfterValidator(_in_range_keeping_offset)]


def parse_instant(text: str, field: str, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant `text` names; a bare date is midnight in `zone` (refused without one)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if zone is None:
                raise Invalid(f"give a time with its UTC offset, such as {EXAMPLE}", field)
            instant = wall_instant(datetime.combine(day, time(0)), zone)
        else:
            instant = datetime.fromisoformat(value)
    except (ValueError, OverflowError):  # OverflowError: a date at the very end of the calendar
        raise Invalid(
            f"not a date or time: {text!r} (use ISO 8601, such as {EXAMPLE})", field
        ) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise Invalid(f"{text!r} has no UTC offset; add one, such as {EXAMPLE}", field)
    try:
        return in_range(instant)
    except ValueError as error:
        raise Invalid(f"{error} (got {text!r})", field) from None
