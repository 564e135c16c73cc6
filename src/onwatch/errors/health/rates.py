"""Release health, decided: what a session update adds to the counts (each session once, its first
terminal status wins), crash-free rates from counts, and whether a release health rule fires for
a release. Pure: no I/O, `now` passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

TERMINAL = frozenset({"exited", "crashed", "abnormal", "errored"})
STATUSES = ("ok", *sorted(TERMINAL))


@dataclass(frozen=True)
class Counts:
    """Sessions and how they ended; users and how many had a crashed session."""

    sessions: int = 0
    crashed: int = 0
    abnormal: int = 0
    errored: int = 0
    users: int = 0
    crashed_users: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.sessions + other.sessions,
            self.crashed + other.crashed,
            self.abnormal + other.abnormal,
            self.errored + other.errored,
            self.users + other.users,
            self.crashed_users + other.crashed_users,
        )

    @property
    def is_empty(self) -> bool:
        return self == Counts()


def session_delta(previous: str | None, status: str, errors: int) -> tuple[str, Counts]:
    """A session update's effect: the status to keep and what to add to its hour's counts, given
    the status kept so far (None: the session is new). A new session counts once; its first
    terminal status counts how it ended (crashed, abnormal, or errored when it had errors);
    anything after that, or the same update again, adds nothing."""
    sessions = 1 if previous is None else 0
    if previous in TERMINAL or status not in TERMINAL:
        return (previous or "ok"), Counts(sessions=sessions)
    if status == "crashed":
        return status, Counts(sessions=sessions, crashed=1)
    if status == "abnormal":
        return status, Counts(sessions=sessions, abnormal=1)
    errored = 1 if status == "errored" or errors > 0 else 0
    return status, Counts(sessions=sessions, errored=errored)


def crash_free_sessions(counts: Counts) -> float | None:
    """Percent of sessions that did not crash; None without sessions."""
    if counts.sessions <= 0:
        return None
    return 100.0 * (counts.sessions - min(counts.crashed, counts.sessions)) / counts.sessions


def crash_free_users(counts: Counts) -> float | None:
    """Percent of distinct users none of whose sessions crashed; None without users."""
    if counts.users <= 0:
        return None
    return 100.0 * (counts.users - min(counts.crashed_users, counts.users)) / counts.users


METRICS = {"crash_free_sessions": crash_free_sessions, "crash_free_users": crash_free_users}


@dataclass(frozen=True)
class HealthRule:
    """What a rule asks (errors/health/rules.py declares it in config)."""

    name: str
    metric: str  # crash_free_sessions | crash_free_users
    below: float  # percent
    min_sessions: int
    environment: str | None = None
    window: timedelta | None = None  # from the release's first hour; None: its whole life


@dataclass(frozen=True)
class Verdict:
    firing: bool
    rate: float | None
    sessions: int
    reason: str


def counts_in_window(
    hours: Iterable[tuple[datetime, Counts]], first_hour_at: datetime, window: timedelta | None
) -> Counts:
    """The sum of a release's counts by hour, within `window` of its first hour if given."""
    total = Counts()
    for hour_at, counts in hours:
        if window is None or hour_at < first_hour_at + window:
            total += counts
    return total


def verdict(rule: HealthRule, environment: str, counts: Counts) -> Verdict | None:
    """Whether `rule` fires for a release in `environment` with these counts; None when the rule
    is about another environment. It fires only from `min_sessions` sessions on, when the rate
    is below `below`; it clears when the rate is back at or above it."""
    if rule.environment is not None and rule.environment != environment:
        return None
    rate = METRICS[rule.metric](counts)
    label = rule.metric.replace("_", "-")
    if counts.sessions < rule.min_sessions or rate is None:
        reason = f"{counts.sessions} sessions, fewer than {rule.min_sessions}"
        return Verdict(False, rate, counts.sessions, reason)
    firing = rate < rule.below
    relation = "below" if firing else "at or above"
    reason = f"{label} {rate:.2f}% {relation} {rule.below:g}% over {counts.sessions} sessions"
    return Verdict(firing, rate, counts.sessions, reason)


def dedup_key(rule: str, release: str, environment: str) -> str:
    """The alert's key: one per rule, release and environment (alerts cap keys at 255)."""
    return f"release-health:{rule}:{environment}:{release}"[:255]
