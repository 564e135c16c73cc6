"""What to do with a delivery's outcome, and when an outbox row may go out under its rate limit:
pure decisions, with `now` and the randomness for jitter given. engine/delivery records them.

Backoff: attempt n (counted from 1) waits base·2^(n-1), capped, scaled by a random factor in
[1 - jitter, 1] ("equal jitter": two engines retrying the same receiver spread out, and no wait
is ever shorter than half the nominal one). A receiver's Retry-After is honoured as given, up
to `max_retry_after`. After `max_attempts` tries the row is a dead letter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Random = Callable[[], float]  # a float in [0, 1), such as random.random


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 10
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.5  # the share of a wait that is random
    max_retry_after: timedelta = timedelta(hours=6)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")


def backoff(policy: RetryPolicy, attempt: int, random: Random) -> timedelta:
    """The wait after the `attempt`-th failed try (1 for the first)."""
    nominal = min(policy.base * 2 ** max(attempt - 1, 0), policy.cap)
    return nominal * (1 - policy.jitter * random())


@dataclass(frozen=True)
class Decision:
    """What becomes of a row after a try. `state` is pending (retry at `due_at`), sent or
    dead; `entry` is the timeline entry's kind on the incident: delivery_sent,
    delivery_failed (will retry) or delivery_dead."""

    state: Literal["pending", "sent", "dead"]
    entry: str
    due_at: datetime | None = None
    error: str | None = None


def decide(
    policy: RetryPolicy,
    *,
    outcome: Literal["sent", "retry", "give_up"],
    attempts: int,
    why: str,
    retry_after: timedelta | None,
    now: datetime,
    random: Random,
) -> Decision:
    """The row's fate after its `attempts`-th try ended with `outcome` (and `why` it failed;
    the receiver's Retry-After, if it gave one)."""
    if outcome == "sent":
        return Decision("sent", "delivery_sent")
    if outcome == "give_up":
        return Decision("dead", "delivery_dead", error=why)
    if attempts >= policy.max_attempts:
        return Decision(
            "dead", "delivery_dead", error=f"{why} (gave up after {attempts} tries)"
        )
    if retry_after is not None:
        wait = min(max(retry_after, timedelta(0)), policy.max_retry_after)
    else:
        wait = backoff(policy, attempts, random)
    return Decision("pending", "delivery_failed", due_at=now + wait, error=why)


@dataclass(frozen=True)
class RateLimit:
    """At most `max` messages to one destination per `per`, a sliding window."""

    max: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.max < 1 or self.per <= timedelta(0):
            raise ValueError("a rate limit needs max >= 1 and a positive period")


def free_at(limit: RateLimit, recent: Sequence[datetime], now: datetime) -> datetime | None:
    """None when one more message may go out now, given the send times of messages to the same
    destination (any order); else the instant the window has room again."""
    window = sorted(t for t in recent if t > now - limit.per)
    if len(window) < limit.max:
        return None
    # The oldest send that must leave the window for one more to fit.
    return window[len(window) - limit.max] + limit.per
