"""Runs the steps: `tick(now)` once (tests call it with a fake clock), or forever in a thread,
sleeping until the earliest instant a step says it has work, a wake-up, or at most the idle
interval (for steps that cannot say)."""

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
        """Run every step once, in the fixed order: each in its own transaction, but for steps
        that open their own (delivery, which must hold none while it sends)."""
        now = now or self.clock.now()
        done: dict[str, int] = {}
        failed: dict[str, str] = {}
        for step in self.steps:
            try:
                if step.own_transactions:
                    done[step.name] = step.run(now)
                else:
                    with self.db.transaction() as session:
                        done[step.name] = step.run(session, now)
            except Exception as error:
                log.exception("engine step %s failed", step.name)
                failed[step.name] = f"{type(error).__name__}: {error}"
        return TickResult(now, done, failed)

    def next_due(self) -> datetime | None:
        """The earliest instant a step has said it has work at (None: none has said)."""
        reporting = [step for step in self.steps if step.next_due is not None]
        if not reporting:
            return None
        instants: list[datetime] = []
        try:
            with self.db.read() as session:
                for step in reporting:
                    assert step.next_due is not None
                    instant = step.next_due(session)
                    if instant is not None:
                        instants.append(instant)
        except Exception:
            log.exception("cannot read when the engine's next work is due")
            return None
        return min(instants, default=None)

    def pause(self, idle: float) -> float:
        """Seconds to sleep before the next tick: until the next due instant, at most `idle`."""
        due = self.next_due()
        ahead = (due - self.clock.now()).total_seconds() if due is not None else idle
        # Work due already that a tick did not take (a step failing, a row another engine
        # holds) is retried after the idle interval, not in a busy loop.
        return min(idle, ahead) if ahead > 0 else idle

    def run_forever(self, stop: threading.Event, interval: float, wakeup: threading.Event) -> None:
        """Tick until `stop` is set. Between ticks, sleep until the next due instant a step
        reports, at most `interval`; `wakeup` cuts the pause short (intake sets it after writing
        work for the engine, so a page goes out at once)."""
        log.info("engine started: %s", ", ".join(s.name for s in self.steps))
        while not stop.is_set():
            result = self.tick()
            # Loop again at once while there is work, so a backlog drains at full speed.
            if not any(result.done.values()):
                pause = self.pause(interval)
                if pause > 0:
                    wakeup.wait(pause)
                wakeup.clear()
