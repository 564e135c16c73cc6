"""Acknowledgement deadlines as data: the time allowed to acknowledge depends on whether the page
arrived while a calendar was open (seed 002: 15 minutes in business hours, 60 outside)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.calendars.hours import Calendar, is_open
from onwatch.core.clock import ensure_utc
from onwatch.core.errors import FieldError, Invalid


@dataclass(frozen=True)
class AckRules:
    inside_hours: timedelta
    outside_hours: timedelta

    def __post_init__(self) -> None:
        errors = [
            FieldError(name, "must be longer than zero")
            for name in ("inside_hours", "outside_hours")
            if getattr(self, name) <= timedelta()
        ]
        if errors:
            raise Invalid(errors)


def ack_deadline(rules: AckRules, calendar: Calendar, at: datetime) -> timedelta:
    """The time allowed to acknowledge something that arrives at `at`. The arrival instant alone
    decides: a page at 19:59 in business hours keeps its short deadline past closing time."""
    return rules.inside_hours if is_open(calendar, at) else rules.outside_hours


def ack_due_at(rules: AckRules, calendar: Calendar, at: datetime) -> datetime:
    """The instant by which something that arrives at `at` must be acknowledged."""
    at = ensure_utc(at)
    return at + ack_deadline(rules, calendar, at)
