"""The pure escalation arithmetic with literal instants: step order with repeats, the wait of a
step (a duration, or the calendar's ack deadline at the instant it fires), urgency rules and
round robin; and the policy spec's refusals, each naming its field."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from onwatch.calendars.deadlines import AckRules
from onwatch.calendars.specs import parse_calendar
from onwatch.escalation.plan import (
    DEFAULT_ACK_DEADLINE,
    next_position,
    round_robin,
    step_wait,
    urgency_of,
)
from onwatch.escalation.specs import PolicySpec

NY = ZoneInfo("America/New_York")
BUSINESS = parse_calendar(
    {
        "name": "biz",
        "time_zone": "America/New_York",
        "hours": [{"days": "mon-fri", "opens": "07:00", "closes": "20:00"}],
        "holidays": "US",
    }
)
RULES = AckRules(timedelta(minutes=15), timedelta(minutes=60))


def policy(steps: int, repeat: int = 0) -> PolicySpec:
    return PolicySpec.model_validate(
        {
            "name": "p",
            "repeat": repeat,
            "steps": [{"targets": [{"person": "ann"}], "delay": "5m"}] * steps,
        }
    )


def test_steps_follow_in_order_then_the_policy_repeats_then_ends() -> None:
    two_twice = policy(2, repeat=1)
    assert next_position(two_twice, 0, -1) == (0, 0)
    assert next_position(two_twice, 0, 0) == (0, 1)
    assert next_position(two_twice, 0, 1) == (1, 0)
    assert next_position(two_twice, 1, 1) is None
    assert next_position(policy(1), 0, 0) is None


@pytest.mark.parametrize(
    ("at", "wait"),
    [
        (datetime(2026, 11, 28, 21, 0, tzinfo=NY), timedelta(minutes=60)),  # a Saturday night
        (datetime(2026, 11, 24, 10, 0, tzinfo=NY), timedelta(minutes=15)),  # a Tuesday morning
        (datetime(2026, 11, 26, 10, 0, tzinfo=NY), timedelta(minutes=60)),  # Thanksgiving
        (datetime(2026, 11, 24, 19, 59, tzinfo=NY), timedelta(minutes=15)),  # a minute to close
    ],
)
def test_an_ack_deadline_step_waits_what_the_calendar_gives_when_it_fires(
    at: datetime, wait: timedelta
) -> None:
    assert step_wait("ack_deadline", RULES, BUSINESS, at) == wait


def test_a_duration_step_waits_its_duration_and_no_calendar_means_the_default() -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=NY)
    assert step_wait(timedelta(minutes=7), RULES, BUSINESS, at) == timedelta(minutes=7)
    assert step_wait("ack_deadline", None, None, at) == DEFAULT_ACK_DEADLINE


def test_urgency_rules() -> None:
    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=NY)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=NY)
    assert [urgency_of("severity", s, None, tuesday) for s in ("sev1", "sev2", "sev3", "sev4")] == [
        "high",
        "high",
        "low",
        "low",
    ]
    assert urgency_of("calendar", "sev1", BUSINESS, tuesday) == "high"
    assert urgency_of("calendar", "sev1", BUSINESS, saturday) == "low"
    assert urgency_of("calendar", "sev4", None, saturday) == "high"
    assert urgency_of("low", "sev1", None, tuesday) == "low"


def test_round_robin_takes_one_in_turn() -> None:
    assert [round_robin(["ann", "bob", "cy"], turn) for turn in range(4)] == [
        ["ann"],
        ["bob"],
        ["cy"],
        ["ann"],
    ]
    assert round_robin([], 3) == []


@pytest.mark.parametrize(
    ("step", "field", "words"),
    [
        ({"targets": [{"person": "ann"}], "delay": "-5m"}, "steps.0.delay", "cannot be negative"),
        ({"targets": [{"person": "ann"}], "delay": -1}, "steps.0.delay", "cannot be negative"),
        ({"targets": [{"person": "ann"}], "delay": "soon"}, "steps.0.delay", "ack_deadline"),
        ({"targets": [{"schedule": "s"}], "delay": "5m"}, "steps.0.targets.0", "needs a role"),
        (
            {"targets": [{"person": "ann", "channel": "c"}], "delay": "5m"},
            "steps.0.targets.0",
            "exactly one",
        ),
        ({"targets": [], "delay": "5m"}, "steps.0.targets", "at least 1"),
    ],
)
def test_a_bad_step_is_refused_naming_its_field(
    step: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        PolicySpec.model_validate({"name": "p", "steps": [step]})
    [error] = raised.value.errors()
    assert ".".join(map(str, error["loc"])) == field
    assert words in error["msg"]


def test_a_policy_round_trips_through_its_dump() -> None:
    data = {
        "name": "p",
        "repeat": 2,
        "ack_timeout": "30m",
        "steps": [
            {"targets": [{"schedule": "s", "role": "primary"}], "delay": "ack_deadline"},
            {"targets": [{"team": "t", "role": "tech_lead"}], "delay": "1h", "round_robin": True},
        ],
    }
    spec = PolicySpec.model_validate(data)
    assert spec.model_dump(mode="json", exclude_defaults=True) == data
    assert PolicySpec.model_validate(spec.model_dump(mode="json")) == spec
