"""Runs the steps: `tick(now)` once (tests call it with a fake clock), or forever in a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.engine.steps import Step

log = logging.getLogger("onwatch.engine")


@dataclass(frozen=True)
class TickResult:
    now: datetime
    done: dict[str, int]
    failed: dict[str, str]


class Engine:
    def __init__(self, db: Database, clock: Clock, steps: Sequence[Step]) -> None:
        self.db = db
        self.clock = clock
        self.steps = list(steps)

    def tick(self, now: datetime | None = None) -> TickResult:
        """Run every step once, each in its own transaction, in the fixed order."""
        now = now or self.clock.now()
        done: dict[str, int] = {}
        failed: dict[str, str] = {}
        for step in self.steps:
            try:
                with self.db.transaction() as session:
                    done[step.name] = step.run(session, now)
            except Exception as error:
                log.exception("engine step %s failed", step.name)
                failed[step.name] = f"{type(error).__name__}: {error}"
        return TickResult(now, done, failed)

    def run_forever(self, stop: threading.Event, interval: float, wakeup: threading.Event) -> None:
        """Tick until `stop` is set. `wakeup` cuts the pause short (intake sets it after writing
        work for the engine, so a page goes out without waiting for the next interval)."""
        log.info("engine started: %s", ", ".join(s.name for s in self.steps))
        while not stop.is_set():
            result = self.tick()
            # Loop again at once while there is work, so a backlog drains at full speed.
            if not any(result.done.values()):
                wakeup.wait(interval)
                wakeup.clear()
