"""What an error issue's state becomes: after one more event (regressed, unsilenced, ongoing), when
resolved and when silenced. Pure: the issue's state and `now` in, the new state out."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

# New and regressed issues read as such for a week, then as ongoing (Sentry's rule).
FRESH_FOR = timedelta(days=7)
RESOLVE_MODES = ("now", "next_release", "release")
_VERSION = re.compile(r"^(?:[^@]*@)?v?(\d+(?:\.\d+)*)(?:[-+].*)?$")


@dataclass(frozen=True)
class State:
    status: str
    substatus: str | None
    substatus_at: datetime
    resolution: dict[str, Any] | None
    silence: dict[str, Any] | None


@dataclass(frozen=True)
class Counts:
    """The issue's totals with the event counted in."""

    events: int
    users: int


def after_event(state: State, release: str | None, counts: Counts, now: datetime) -> State:
    """The state once an event (in `release`) is counted: a resolved issue regresses when the
    event is of a later release (or at all, if resolved "now"); a silence ends when its time,
    events or users are reached; new and regressed turn ongoing after FRESH_FOR."""
    if state.status == "resolved":
        if is_regression(state.resolution or {}, release):
            return State("unresolved", "regressed", now, None, None)
        return state
    if state.status == "silenced":
        if not is_silence_over(state.silence or {}, counts, now):
            return state
        return State("unresolved", "ongoing", now, None, None)
    if state.substatus in ("new", "regressed") and now - state.substatus_at >= FRESH_FOR:
        return replace(state, substatus="ongoing", substatus_at=now)
    return state


def is_regression(resolution: dict[str, Any], release: str | None) -> bool:
    """Whether an event in `release` reopens an issue resolved so. "now": any event. "next
    release": an event in a release the issue had not seen when it was resolved. "release X":
    an event in X or in a later version (both read as versions, `pkg@1.2.3`); a release that
    cannot be compared counts as later unless the issue had seen it before it was resolved."""
    mode = resolution.get("mode", "now")
    if mode == "now":
        return True
    if not release:
        return False
    before = set(resolution.get("releases_before") or ())
    if mode == "next_release":
        return release not in before
    fixed_in = resolution.get("release") or ""
    if release == fixed_in:
        return True
    ours, theirs = _version(release), _version(fixed_in)
    if ours is not None and theirs is not None:
        return ours > theirs
    return release not in before


def is_silence_over(silence: dict[str, Any], counts: Counts, now: datetime) -> bool:
    until = silence.get("until")
    if until is not None and now >= datetime.fromisoformat(until):
        return True
    events = silence.get("events")
    if events is not None and counts.events >= silence.get("events_at", 0) + events:
        return True
    users = silence.get("users")
    return users is not None and counts.users >= silence.get("users_at", 0) + users


def resolved(
    state: State,
    *,
    mode: str,
    release: str | None,
    releases_seen: list[str],
    last_release: str | None,
) -> State:
    """Resolved now, in the next release, or in `release`. "in the next release" needs a release
    the issue has seen (else it means now)."""
    if mode not in RESOLVE_MODES:
        raise ValueError(mode)
    if mode == "next_release" and last_release is None:
        mode = "now"
    resolution: dict[str, Any] = {"mode": mode, "releases_before": list(releases_seen)}
    if mode == "release":
        resolution["release"] = release
    return State("resolved", None, state.substatus_at, resolution, None)


def silenced(
    state: State,
    *,
    until: datetime | None,
    events: int | None,
    users: int | None,
    counts: Counts,
) -> State:
    """Silenced until a time, N more events or N more users, whichever comes first (none of
    them: until lifted by hand)."""
    silence: dict[str, Any] = {
        "until": until.astimezone(UTC).isoformat() if until is not None else None,
        "events": events,
        "users": users,
        "events_at": counts.events,
        "users_at": counts.users,
    }
    return State("silenced", None, state.substatus_at, None, silence)


def reopened(state: State, now: datetime) -> State:
    return State("unresolved", "ongoing", now, None, None)


def _version(release: str) -> tuple[int, ...] | None:
    found = _VERSION.match(release)
    if found is None:
        return None
    return tuple(int(part) for part in found.group(1).split("."))
