"""The morning review (seed 003): per team, the error issues that are new or regressed since close
of business the day before, by its calendar's business hours. Pure: takes `now`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.calendars.hours import Calendar, open_intervals

LOOKBACK = timedelta(days=14)  # a long weekend plus a holiday week still finds the last close


@dataclass(frozen=True)
class Morning:
    day: str  # the local date the business day opened on, ISO: names the review
    opened_at: datetime
    since: datetime  # close of business before it


@dataclass(frozen=True)
class Reviewed:
    issue_id: int
    service: str
    title: str
    why: str  # "new" or "regressed"
    events: int  # since close of business
    first_seen_at: datetime


def morning_of(calendar: Calendar, now: datetime) -> Morning | None:
    """The business day open at `now` if it opened today (local date of the calendar's first
    window): when it opened and when business closed before that. None when closed, when the
    day opened yesterday (a night shift running on) or when it never closed (24/7)."""
    if not calendar.windows:
        return None
    zone = calendar.windows[0].time_zone
    intervals = open_intervals(calendar, now - LOOKBACK, now + timedelta(microseconds=1))
    if not intervals or intervals[-1][1] <= now:
        return None
    today = now.astimezone(zone).date()
    todays = [i for i in intervals if i[0].astimezone(zone).date() == today]
    if not todays:
        return None
    opened_at = todays[0][0]
    before = [end for _, end in intervals if end <= opened_at]
    if not before:
        return None
    return Morning(today.isoformat(), opened_at, before[-1])


def review_since(calendar: Calendar, now: datetime) -> datetime | None:
    """What the review shown at `now` counts from: this morning's close of business before, while
    the day that opened today runs; otherwise the latest close (what the next review will hold).
    None for a calendar that has not closed within LOOKBACK."""
    morning = morning_of(calendar, now)
    if morning is not None:
        return morning.since
    ends = [end for _, end in open_intervals(calendar, now - LOOKBACK, now) if end < now]
    return ends[-1] if ends else None


def text_of(team: str, morning: Morning, found: Sequence[Reviewed], link: str) -> str:
    """The e-mail body: new first, then regressed, each with its events since close."""
    since = morning.since.strftime("%Y-%m-%d %H:%M UTC")
    if not found:
        return f"No new or regressed error issues for {team} since close of business ({since})."
    lines = [f"Error issues for {team} since close of business ({since}):", ""]
    for why in ("new", "regressed"):
        group = [r for r in found if r.why == why]
        if group:
            lines.append(f"{why.capitalize()} ({len(group)}):")
            lines += [
                f"- [{r.service}] {r.title} — {r.events} event{'' if r.events == 1 else 's'}"
                f" (issue {r.issue_id})"
                for r in group
            ]
            lines.append("")
    lines.append(f"Review them: {link}")
    return "\n".join(lines)
