"""Builds the engine with every step and job handler the installed capabilities provide."""

from __future__ import annotations

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.engine.loop import Engine
from onwatch.engine.steps import Step, default_steps
from onwatch.incidents.escalating import fire_due
from onwatch.schedules.actions import record_due_handoffs


def build_engine(db: Database, clock: Clock) -> Engine:
    # Hand-offs are recorded first in each tick, so later steps can tell people about them.
    # Escalations fire after hand-offs, so a step due at a hand-off pages the incoming person.
    return Engine(
        db,
        clock,
        [Step("handoffs", record_due_handoffs), Step("escalations", fire_due), *default_steps()],
    )
