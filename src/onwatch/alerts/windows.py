"""A span of time given as a start and an end or a duration, as silences and maintenance windows
take it: checked (every problem named by its field), and its state at an instant. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from onwatch.core.errors import FieldError, Invalid

State = Literal["pending", "active", "expired"]
STATES: tuple[State, ...] = ("pending", "active", "expired")
LONGEST = timedelta(days=366)


@dataclass(frozen=True)
class Span:
    starts_at: datetime
    ends_at: datetime


def span_from(
    starts_at: datetime | None,
    ends_at: datetime | None,
    duration: timedelta | None,
    now: datetime,
) -> Span:
    """The span asked for: it starts at `starts_at` (or now) and ends at `ends_at` or after
    `duration` (exactly one of them). Invalid, naming each field, if it ends before it starts,
    is already over, or is longer than a year."""
    start = starts_at if starts_at is not None else now
    errors: list[FieldError] = []
    if ends_at is not None and duration is not None:
        errors.append(FieldError("duration", "give ends_at or duration, not both"))
    elif ends_at is None and duration is None:
        errors.append(FieldError("ends_at", "required (or give a duration such as 2h)"))
    elif duration is not None and duration <= timedelta(0):
        errors.append(FieldError("duration", "must be longer than zero"))
    if errors:
        raise Invalid(errors)
    end = ends_at if ends_at is not None else start + (duration or timedelta(0))
    field = "ends_at" if ends_at is not None else "duration"
    if starts_at is not None and end <= start:
        errors.append(FieldError(field, "must end after it starts (starts_at)"))
    elif end <= now:
        errors.append(FieldError(field, "is already over; it must end in the future"))
    elif end - start > LONGEST:
        errors.append(FieldError(field, "must not be longer than 366 days"))
    if errors:
        raise Invalid(errors)
    return Span(start, end)


def state_at(starts_at: datetime, ends_at: datetime, now: datetime) -> State:
    if ends_at <= now:
        return "expired"
    return "pending" if starts_at > now else "active"


def ended_early(span: Span, now: datetime) -> Span:
    """The span cut short at `now`: a running one ends now, a future one never starts."""
    return Span(min(span.starts_at, now), min(span.ends_at, now))


def duration_text(duration: timedelta) -> str:
    """`1h30m`, `45s`, `2d`: the way people write durations in the config file."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)
