"""Instants as people type them in a command or a query string: ISO 8601 with an offset (or Z),
or a bare date meaning midnight in a given zone. A wall time without a zone is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime

from onwatch.core.errors import Invalid

EXAMPLE = "2026-03-04T09:00-05:00, 2026-03-04T14:00Z or 2026-03-04"
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
            instant = datetime.combine(day, time(0), tzinfo=zone)
        else:
            instant = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"not a date or time: {text!r} (use ISO 8601, such as {EXAMPLE})", field
        ) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise Invalid(f"{text!r} has no UTC offset; add one, such as {EXAMPLE}", field)
    try:
        return in_range(instant)
    except ValueError as error:
        raise Invalid(f"{error} (got {text!r})", field) from None
