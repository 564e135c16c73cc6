"""Builds the engine with every step and job handler the installed capabilities provide."""

from __future__ import annotations

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.engine.loop import Engine
from onwatch.engine.steps import default_steps


def build_engine(db: Database, clock: Clock) -> Engine:
    return Engine(db, clock, default_steps())
