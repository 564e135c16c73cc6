"""What the watch after a deploy decides, pure: its window, and which error issues of the
release are findings (new, regressed, or a rise in error rate against the hour before)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_WINDOW = timedelta(hours=2)
BEFORE = timedelta(hours=1)
# A rise: events per minute in the window at least RATE_FACTOR times those of the hour before
# the deploy, and at least RATE_MIN_EVENTS events in the window (a few events are no trend).
RATE_FACTOR = 2.0
RATE_MIN_EVENTS = 10


@dataclass(frozen=True)
class Activity:
    """An error issue's events in the deploy's release inside the window, and in the hour before
    the deploy (any release)."""

    issue_id: int
    title: str
    first_seen_at: datetime
    substatus: str | None
    substatus_at: datetime
    in_window: int
    before: int


@dataclass(frozen=True)
class Found:
    kind: str
    issue_id: int
    title: str
    count: int
    detail: dict[str, float]


def window_end(deployed_at: datetime, window: timedelta) -> datetime:
    return deployed_at + window


def is_over(deployed_at: datetime, window: timedelta, now: datetime) -> bool:
    return now >= window_end(deployed_at, window)


def findings(
    deployed_at: datetime, window: timedelta, activity: list[Activity], now: datetime
) -> list[Found]:
    """The findings at `now`: an issue first seen after the deploy is `new`; one that turned
    regressed after it is `regressed`; any other whose rate rose enough is `rate`."""
    elapsed = min(now, window_end(deployed_at, window)) - deployed_at
    minutes = max(elapsed.total_seconds() / 60, 1.0)
    found = []
    for a in activity:
        if a.in_window <= 0:
            continue
        if a.first_seen_at >= deployed_at:
            found.append(Found("new", a.issue_id, a.title, a.in_window, {}))
        elif a.substatus == "regressed" and a.substatus_at >= deployed_at:
            found.append(Found("regressed", a.issue_id, a.title, a.in_window, {}))
        elif is_rise(a.in_window, minutes, a.before):
            rate = {
                "per_minute": round(a.in_window / minutes, 3),
                "per_minute_before": round(a.before / (BEFORE.total_seconds() / 60), 3),
            }
            found.append(Found("rate", a.issue_id, a.title, a.in_window, rate))
    return found


def is_rise(in_window: int, minutes: float, before: int) -> bool:
    if in_window < RATE_MIN_EVENTS:
        return False
    return in_window / minutes >= RATE_FACTOR * before / (BEFORE.total_seconds() / 60)
