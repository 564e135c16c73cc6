"""The span of a silence or maintenance window: checking it, its state, cutting it short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onwatch.alerts.windows import Span, duration_text, ended_early, span_from, state_at
from onwatch.core.errors import Invalid

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def test_a_duration_runs_from_now_when_no_start_is_given() -> None:
    assert span_from(None, None, timedelta(hours=2), NOW) == Span(NOW, at(16))


def test_an_end_may_be_given_instead_of_a_duration() -> None:
    assert span_from(at(15), at(17), None, NOW) == Span(at(15), at(17))


def test_a_span_that_started_in_the_past_is_fine_while_it_runs() -> None:
    assert span_from(at(13), at(15), None, NOW) == Span(at(13), at(15))


@pytest.mark.parametrize(
    ("start", "end", "duration", "field", "message"),
    [
        (None, None, None, "ends_at", "required (or give a duration such as 2h)"),
        (None, at(15), timedelta(hours=1), "duration", "give ends_at or duration, not both"),
        (None, None, timedelta(0), "duration", "must be longer than zero"),
        (at(16), at(15), None, "ends_at", "must end after it starts (starts_at)"),
        (at(11), at(12), None, "ends_at", "is already over; it must end in the future"),
        (None, None, timedelta(days=400), "duration", "must not be longer than 366 days"),
    ],
)
def test_a_bad_span_names_its_field(
    start: datetime | None,
    end: datetime | None,
    duration: timedelta | None,
    field: str,
    message: str,
) -> None:
    with pytest.raises(Invalid) as raised:
        span_from(start, end, duration, NOW)
    assert [(e.field, e.message) for e in raised.value.errors] == [(field, message)]


def test_state_is_pending_then_active_then_expired_at_the_end_instant() -> None:
    assert state_at(at(15), at(16), NOW) == "pending"
    assert state_at(at(14), at(16), NOW) == "active"
    assert state_at(at(12), at(14), NOW) == "expired"


def test_ending_early_cuts_a_running_span_and_empties_a_future_one() -> None:
    assert ended_early(Span(at(13), at(18)), NOW) == Span(at(13), NOW)
    assert ended_early(Span(at(15), at(18)), NOW) == Span(NOW, NOW)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(days=2), "2d"),
        (timedelta(seconds=45), "45s"),
        (timedelta(0), "0s"),
    ],
)
def test_durations_are_written_as_people_write_them(duration: timedelta, text: str) -> None:
    assert duration_text(duration) == text
