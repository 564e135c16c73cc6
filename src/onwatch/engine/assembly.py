"""Builds the engine with every step and job handler the installed capabilities provide."""

from __future__ import annotations

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.engine.loop import Engine
from onwatch.engine.steps import Step, default_steps
from onwatch.schedules.actions import record_due_handoffs


def build_engine(db: Database, clock: Clock) -> Engine:
    # Hand-offs are recorded first in each tick, so later steps can tell people about them.
    return Engine(db, clock, [Step("handoffs", record_due_handoffs), *default_steps()])
