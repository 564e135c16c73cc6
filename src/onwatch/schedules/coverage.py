"""Time nobody covers, put into words: each role's gaps over a stretch (the coming four weeks, for
`onwatch apply` and the schedule page), in the schedule's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from onwatch.schedules.oncall import Schedule, gaps

MAX_LISTED = 3


def local_text(at: datetime, zone: ZoneInfo) -> str:
    """`Sat 2026-03-07 17:00 EST`: an instant as the schedule's people read it."""
    return at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def gap_warnings(
    schedule: Schedule, start_at: datetime, end_at: datetime, zone: ZoneInfo
) -> list[str]:
    """One sentence per role with gaps in [start_at, end_at), listing the first few."""
    found = []
    for role in schedule.roles:
        empty = gaps(schedule, role, start_at, end_at)
        if not empty:
            continue
        listed = ", ".join(
            f"{local_text(g.start_at, zone)} to {local_text(g.end_at, zone)}"
            for g in empty[:MAX_LISTED]
        )
        more = len(empty) - MAX_LISTED
        found.append(
            f"schedule {schedule.name}: nobody is {role} from {listed}"
            + (f" and {more} more time{'s' * (more != 1)}" if more > 0 else "")
        )
    return found
