"""The pure arithmetic of escalation: which step comes after which, how long a step waits,
the urgency of an incident, and whom a round-robin step takes. No database, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from onwatch.calendars.deadlines import AckRules, ack_deadline
from onwatch.calendars.hours import Calendar, is_open
from onwatch.escalation.specs import ACK_DEADLINE, PolicySpec

# When a step waits for `ack_deadline` but the service has no calendar with deadlines.
DEFAULT_ACK_DEADLINE = timedelta(minutes=30)

# Incident severity → urgency, for services with `urgency: severity`. Alerts' critical and error
# become sev1 and sev2 (high); warning and info become sev3 and sev4 (low).
SEVERITY_URGENCY = {"sev1": "high", "sev2": "high", "sev3": "low", "sev4": "low"}

T = TypeVar("T")


def next_position(policy: PolicySpec, loop: int, step: int) -> tuple[int, int] | None:
    """The (loop, step) that fires after `step` of `loop`; (0, 0) first (step -1: none yet).
    After the last step the policy starts over while repeats remain; None when it is done."""
    if step + 1 < len(policy.steps):
        return loop, step + 1
    if loop < policy.repeat:
        return loop + 1, 0
    return None


def urgency_of(rule: str, severity: str, calendar: Calendar | None, at: datetime) -> str:
    """high or low for a service's urgency rule: high, low, severity (see SEVERITY_URGENCY) or
    calendar (high while the calendar is open; high when there is none)."""
    if rule in ("high", "low"):
        return rule
    if rule == "severity":
        return SEVERITY_URGENCY.get(severity, "high")
    if calendar is None:
        return "high"
    return "high" if is_open(calendar, at) else "low"


def step_wait(
    delay: timedelta | str, rules: AckRules | None, calendar: Calendar | None, at: datetime
) -> timedelta:
    """How long a step that fires at `at` waits before the next: its duration, or the deadline
    the calendar gives at that instant (DEFAULT_ACK_DEADLINE without a calendar or rules)."""
    if delay != ACK_DEADLINE:
        assert isinstance(delay, timedelta)
        return delay
    if rules is None or calendar is None:
        return DEFAULT_ACK_DEADLINE
    return ack_deadline(rules, calendar, at)


def round_robin(candidates: Sequence[T], turn: int) -> list[T]:
    """The one candidate whose turn it is (turns advance with each incident and each pass of
    the policy); nobody when there are none."""
    if not candidates:
        return []
    return [candidates[turn % len(candidates)]]


def steps_in_a_pass(policy: PolicySpec) -> int:
    """Every step the policy can fire, repeats included: the most that can fire at one instant
    when each resolves to nobody."""
    return len(policy.steps) * (policy.repeat + 1)
