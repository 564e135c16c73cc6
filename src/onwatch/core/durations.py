"""Durations as config files write them ("15m", "1h30m", "2w", or ISO 8601), read and written
back the same way, for every layer that declares one (calendars, schedules, people's rules)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_DURATION_UNITS = {
    "s": "seconds", "sec": "seconds", "second": "seconds", "seconds": "seconds",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
}  # fmt: skip


def parse_duration(value: Any) -> timedelta:
    """A duration from "15m", "1h30m", "12 hours", "2w" (or an ISO 8601 string, or a timedelta)."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError('expected a duration such as "15m", "12h", "1d" or "2w"')
    text = value.strip().lower()
    if text.startswith("p"):
        return _iso_duration(value)
    parts = re.findall(r"(\d+)\s*([a-z]+)\s*", text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", text):
        raise ValueError(f'expected a duration such as "15m", "12h", "1d" or "2w", got {value!r}')
    total = timedelta()
    for number, unit in parts:
        if unit not in _DURATION_UNITS:
            raise ValueError(f"unknown unit {unit!r} in duration {value!r}")
        total += timedelta(**{_DURATION_UNITS[unit]: int(number)})
    return total


def _iso_duration(value: str) -> timedelta:
    match = re.fullmatch(
        r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", value.strip().upper()
    )
    if not match or value.strip().upper() in ("P", "PT"):
        raise ValueError(f"{value!r} is not an ISO 8601 duration")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def duration_text(value: timedelta) -> str:
    """A duration the way config files write it: "2w", "1d12h", "15m"."""
    seconds, text = int(value.total_seconds()), ""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            text += f"{seconds // size}{unit}"
            seconds %= size
    return text or "0s"


# Reads what people write and dumps back to the same form, so `export` round-trips.
Duration = Annotated[
    timedelta, BeforeValidator(parse_duration), PlainSerializer(duration_text, return_type=str)
]
