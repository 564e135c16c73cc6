"""iCalendar (RFC 5545) feeds of resolved shifts, for a whole schedule or for one person, that
calendar apps subscribe to. UIDs are stable: a re-fetched feed updates events, never duplicates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar

from onwatch.core.clock import ensure_utc
from onwatch.schedules.oncall import Schedule, Shift, resolved_shifts

PRODUCT_ID = "-//onwatch//on-call schedules//EN"

# Shifts are resolved this far beyond the requested range so that the first and last events keep
# their true start (and so their UID) whatever range a subscriber's fetch happens to ask for.
_MARGIN = timedelta(days=35)


def schedule_feed(
    schedule: Schedule, start_at: datetime, end_at: datetime, stamp_at: datetime
) -> str:
    """Every shift with a holder overlapping [start_at, end_at), all roles; `stamp_at` (now) is
    each event's DTSTAMP."""
    events = [
        _event(schedule, shift, stamp_at, f"{shift.holder} on call ({shift.role}): {schedule.name}")
        for shift in _shifts(schedule, start_at, end_at)
        if shift.holder is not None
    ]
    return _feed(f"{schedule.name} on call", events)


def person_feed(
    schedules: Iterable[Schedule],
    handle: str,
    start_at: datetime,
    end_at: datetime,
    stamp_at: datetime,
) -> str:
    """The shifts `handle` holds in any role of `schedules` overlapping [start_at, end_at)."""
    events = [
        _event(schedule, shift, stamp_at, f"On call ({shift.role}): {schedule.name}")
        for schedule in schedules
        for shift in _shifts(schedule, start_at, end_at)
        if shift.holder == handle
    ]
    return _feed(f"{handle} on call", events)


def shift_uid(schedule_name: str, shift: Shift) -> str:
    """The same shift (schedule, role, holder, start) always gets the same UID."""
    key = f"{schedule_name}\x1f{shift.role}\x1f{shift.holder}\x1f{shift.start_at.isoformat()}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@onwatch"


def _shifts(schedule: Schedule, start_at: datetime, end_at: datetime) -> list[Shift]:
    start_at, end_at = ensure_utc(start_at), ensure_utc(end_at)
    found = []
    for role in schedule.roles:
        for shift in resolved_shifts(schedule, role, start_at - _MARGIN, end_at + _MARGIN):
            if shift.start_at < end_at and shift.end_at > start_at:
                found.append(shift)
    return found


def _event(schedule: Schedule, shift: Shift, stamp_at: datetime, summary: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", shift_uid(schedule.name, shift))
    event.add("dtstamp", ensure_utc(stamp_at))
    event.add("dtstart", shift.start_at)
    event.add("dtend", shift.end_at)
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    if shift.override is not None:
        covered = f" for {shift.override.covered}" if shift.override.covered else ""
        reason = f": {shift.override.reason}" if shift.override.reason else ""
        event.add("description", f"Override, covering{covered}{reason}")
    return event


def _feed(name: str, events: list[icalendar.Event]) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in sorted(events, key=lambda e: (e.decoded("dtstart"), str(e["uid"]))):
        calendar.add_component(event)
    return calendar.to_ical().decode()
