"""Builds the engine with every step and job handler the installed capabilities provide."""

from __future__ import annotations

from datetime import timedelta

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.engine.loop import Engine
from onwatch.engine.steps import Step, default_steps
from onwatch.notifications.handoffs import DEFAULT_LEAD, HandoffNotices
from onwatch.schedules.actions import record_due_handoffs


def build_engine(
    db: Database, clock: Clock, *, handoff_notice: timedelta | None = DEFAULT_LEAD
) -> Engine:
    """`handoff_notice`: how long before a hand-off its people are told (None: never)."""
    # Hand-offs are recorded first in each tick, so later steps can tell people about them.
    steps = [Step("handoffs", record_due_handoffs)]
    if handoff_notice:
        steps.append(Step("handoff_notices", HandoffNotices(handoff_notice)))
    return Engine(db, clock, [*steps, *default_steps()])
