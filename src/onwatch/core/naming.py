"""The shape of names people type: handles, team and service names, role names."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, StringConstraints

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_time_zone(name: str) -> str:
    if name not in _zones():
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
    return name


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def _check_email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f"not an e-mail address: {value!r}")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]
Email = Annotated[str, AfterValidator(_check_email)]
