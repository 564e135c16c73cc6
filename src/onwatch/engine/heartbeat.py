"""onwatch's own dead man's switch: while everything due is on time, the engine pings an
outbound URL (a healthchecks.io-style check, another monitor's heartbeat) every interval. When
an engine is stuck, dead, or falling behind, the pings stop and that monitor pages someone.

What "on time" means is a list of lateness checks assembled in engine/assembly.py: each a
function of (session, now) giving a sentence per late thing (overdue outbox messages, an
escalation step that should have fired)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from onwatch.core.db import Database

log = logging.getLogger("onwatch.heartbeat")
LatenessCheck = Callable[[Session, datetime], list[str]]


@dataclass
class SelfHeartbeat:
    """The step: at most one ping per `interval`, only when no check finds anything late."""

    db: Database
    url: str
    interval: timedelta
    checks: Sequence[LatenessCheck]
    http: httpx.Client
    last_ping: datetime | None = None
    last_late: list[str] = field(default_factory=list)

    def due(self, now: datetime) -> bool:
        return self.last_ping is None or now >= self.last_ping + self.interval

    def late(self, now: datetime) -> list[str]:
        with self.db.read() as session:
            return [line for check in self.checks for line in check(session, now)]

    def __call__(self, now: datetime) -> int:
        """Ping if due and nothing is late. Returns 0: a ping is not work that makes the engine
        skip its pause."""
        if not self.due(now):
            return 0
        late = self.late(now)
        if late:
            if late != self.last_late:
                log.warning("heartbeat withheld, something is late: %s", "; ".join(late))
            self.last_late = late
            self.last_ping = now  # checked again after an interval, not on every tick
            return 0
        self.last_late = []
        try:
            response = self.http.get(self.url)  # no transaction is open
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.warning("heartbeat ping to %s failed: %s", httpx.URL(self.url).host, error)
        self.last_ping = now
        return 0

    def next_due(self, _session: Session) -> datetime | None:
        return self.last_ping + self.interval if self.last_ping is not None else None
