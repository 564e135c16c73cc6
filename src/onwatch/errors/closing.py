"""When a tech lead's digest of annoying errors is due, pure: at close of business by the
service's calendar (the end of the last open interval of the local day), daily or only on the
last business day of the week (Monday to Sunday, holidays and closed dates skipped); without a
calendar at DIGEST_AT in the lead's own zone, weekly on Fridays."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onwatch.calendars.hours import Calendar, open_intervals

DIGEST_AT = time(17, 0)  # the end of a working day when no calendar says when
CADENCES = ("daily", "weekly")
FRIDAY = 4


def due_day(calendar: Calendar | None, every: str, now: datetime, zone: ZoneInfo) -> date | None:
    """The local day whose digest is due at `now`, or None: before that day's close, on a day
    the calendar does not open, or (weekly) on a day that is not the week's last business day.
    `zone`: the lead's, used without a calendar."""
    if calendar is None or not calendar.windows:
        local = now.astimezone(zone)
        if every == "weekly" and local.weekday() != FRIDAY:
            return None
        return digest_day(local)
    closed_at = close_of_business(calendar, now)
    if closed_at is None:
        return None
    day = closed_at.astimezone(calendar.windows[0].time_zone).date()
    if every == "weekly" and not is_last_business_day(calendar, day):
        return None
    return day


def digest_day(local_now: datetime, at: time = DIGEST_AT) -> date | None:
    """The day whose digest is due at `local_now` (a tech lead's local time), or None before
    the day's digest time."""
    return local_now.date() if local_now.time() >= at else None


def close_of_business(calendar: Calendar, now: datetime) -> datetime | None:
    """When today's business day closed for the day (local date of the calendar's first
    window: the end of its last open interval), if it has; None before, and on a day it does not
    open."""
    zone = calendar.windows[0].time_zone
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(0), zone)
    intervals = open_intervals(calendar, start, start + timedelta(days=1))
    if not intervals or intervals[-1][1] > now:  # closed, open, or only at lunch
        return None
    return intervals[-1][1]


def is_last_business_day(calendar: Calendar, day: date) -> bool:
    """Whether no later day of the same week (Monday to Sunday) opens."""
    zone = calendar.windows[0].time_zone
    start = datetime.combine(day + timedelta(days=1), time(0), zone)
    end = datetime.combine(day + timedelta(days=7 - day.weekday()), time(0), zone)
    return start >= end or not open_intervals(calendar, start, end)
