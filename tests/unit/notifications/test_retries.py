"""The pure delivery decisions: backoff with jitter, Retry-After, dead letters, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onwatch.notifications.retries import RateLimit, RetryPolicy, backoff, decide, free_at

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=4, base=timedelta(seconds=30), cap=timedelta(minutes=2))


@pytest.mark.parametrize(
    ("attempt", "random", "wait"),
    [
        (1, 0.0, 30),  # no jitter drawn: the nominal wait
        (1, 0.999999, 15),  # at most half of it is random
        (2, 0.0, 60),
        (3, 0.0, 120),
        (4, 0.0, 120),  # capped
        (9, 0.5, 90),
    ],
)
def test_backoff_doubles_up_to_the_cap_and_jitters_within_half(
    attempt: int, random: float, wait: int
) -> None:
    got = backoff(POLICY, attempt, lambda: random)
    assert abs(got.total_seconds() - wait) < 0.01


def _decide(outcome: str, attempts: int, after: timedelta | None = None, random: float = 0.0):
    return decide(
        POLICY, outcome=outcome, attempts=attempts, why="HTTP 500",  # type: ignore[arg-type]
        retry_after=after, now=NOW, random=lambda: random,
    )  # fmt: skip


def test_a_sent_message_is_sent() -> None:
    decision = _decide("sent", 1)
    assert (decision.state, decision.entry, decision.due_at) == ("sent", "delivery_sent", None)


def test_a_failure_worth_retrying_waits_its_backoff() -> None:
    decision = _decide("retry", 2)
    assert (decision.state, decision.entry) == ("pending", "delivery_failed")
    assert decision.due_at == NOW + timedelta(seconds=60)
    assert decision.error == "HTTP 500"


def test_retry_after_is_honoured_instead_of_the_backoff_up_to_its_cap() -> None:
    assert _decide("retry", 1, timedelta(seconds=7)).due_at == NOW + timedelta(seconds=7)
    assert _decide("retry", 1, timedelta(days=3)).due_at == NOW + timedelta(hours=6)
    assert _decide("retry", 1, timedelta(seconds=-5)).due_at == NOW


def test_the_last_try_makes_a_dead_letter_and_giving_up_does_at_once() -> None:
    last = _decide("retry", 4)
    assert (last.state, last.entry) == ("dead", "delivery_dead")
    assert last.error == "HTTP 500 (gave up after 4 tries)"
    assert _decide("give_up", 1).state == "dead"


def test_a_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit(0, timedelta(minutes=1))


def test_a_rate_limit_is_a_sliding_window() -> None:
    limit = RateLimit(2, timedelta(minutes=1))
    assert free_at(limit, [], NOW) is None
    assert free_at(limit, [NOW - timedelta(seconds=10)], NOW) is None
    recent = [NOW - timedelta(seconds=10), NOW - timedelta(seconds=50), NOW - timedelta(hours=1)]
    assert free_at(limit, recent, NOW) == NOW + timedelta(seconds=10)
    three = [NOW - timedelta(seconds=s) for s in (5, 20, 40)]
    assert free_at(limit, three, NOW) == NOW + timedelta(seconds=40)
