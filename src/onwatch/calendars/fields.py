"""Typed config fields shared by calendar and schedule specs (local times, durations, weekdays)
and the mapping of Pydantic validation errors onto `Invalid` with dotted field paths."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationError

# Durations live in core (people's notification rules, a layer below, declare them too).
from onwatch.core.durations import Duration as Duration
from onwatch.core.durations import duration_text as duration_text
from onwatch.core.durations import parse_duration as parse_duration
from onwatch.core.errors import FieldError, Invalid


class Spec(BaseModel):
    """Base of every config spec: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name`; Invalid when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(
            f"unknown time zone {name!r} (use an IANA name such as Europe/London)"
        ) from None


def parse_local_time(value: Any) -> time:
    """A wall-clock time from "HH:MM" or "HH:MM:SS"; "24:00" is the midnight that ends a day."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("a local time carries no time zone")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020: refuse rather than guess.
        raise ValueError(f'write times in quotes, such as "09:00" (got the number {value})')
    if not isinstance(value, str):
        raise ValueError('expected a time such as "09:00"')
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", value)
    if not match:
        raise ValueError(f'expected a time such as "09:00", got {value!r}')
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if (hour, minute, second) == (24, 0, 0):
        return time(0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{value!r} is not a time of day")
    return time(hour, minute, second)


_DAY_NAMES = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_DAY_GROUPS = {
    "weekdays": range(5), "weekends": range(5, 7), "daily": range(7), "every day": range(7),
}  # fmt: skip


def parse_weekdays(value: Any) -> frozenset[int]:
    """Weekday numbers (0 = Monday) from names and ranges: "mon-fri", ["sat", "sun"], "weekdays"."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset) or not items:
        raise ValueError('expected days such as "mon-fri" or ["sat", "sun"]')
    days: set[int] = set()
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            days.add(item)
            continue
        for part in str(item).lower().split(","):
            days |= _day_range(part.strip())
    return frozenset(days)


def weekday_names(days: frozenset[int]) -> list[str]:
    """The short names of `days` in week order, as config files write them."""
    return [_SHORT_NAMES[d] for d in sorted(days)]


def _day_range(text: str) -> set[int]:
    if text in _DAY_GROUPS:
        return set(_DAY_GROUPS[text])
    first, _, last = text.partition("-")
    for name in (first, last) if last else (first,):
        if name.strip() not in _DAY_NAMES:
            raise ValueError(f"unknown day {name.strip()!r} (use mon, tue, … sun)")
    start = _DAY_NAMES[first.strip()]
    end = _DAY_NAMES[last.strip()] if last else start
    return {(start + i) % 7 for i in range((end - start) % 7 + 1)}


_SHORT_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Each type reads what people write and dumps back to the same form, so `export` round-trips.
LocalTime = Annotated[
    time,
    BeforeValidator(parse_local_time),
    PlainSerializer(lambda t: t.strftime("%H:%M:%S" if t.second else "%H:%M"), return_type=str),
]
Weekdays = Annotated[
    frozenset[int],
    BeforeValidator(parse_weekdays),
    PlainSerializer(weekday_names, return_type=list[str]),
]


def field_path(location: tuple[int | str, ...]) -> str:
    """("layers", 0, "members") -> "layers[0].members"."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def invalid_from(error: ValidationError) -> Invalid:
    """Every problem Pydantic found, each named by its path in the spec."""
    found = []
    for problem in error.errors():
        kind = problem["type"]
        if kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "missing":
            message = "required"
        else:
            message = (
                problem["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            )
        found.append(FieldError(field_path(tuple(problem["loc"])), message))
    return Invalid(found)
