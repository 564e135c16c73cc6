"""The engine's steps, in the order they run each tick. A step is a function of (session, now)
that returns how much it did. Due jobs are dispatched by kind to their handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.alerts.heartbeats import check_heartbeats
from onwatch.alerts.metrics import prune_samples
from onwatch.alerts.metrics_rules import evaluate_rules
from onwatch.alerts.release import release_held
from onwatch.auth.actions import purge_expired_sessions
from onwatch.auth.logins import purge_forgotten
from onwatch.core import jobs
from onwatch.notifications import deliveries

JobHandler = Callable[[Session, dict[str, Any], datetime], None]
StepFunction = Callable[[Session, datetime], int]
NextDue = Callable[[Session], datetime | None]


@dataclass(frozen=True)
class Step:
    """`run(session, now)` in a transaction the engine opens; or, with `own_transactions`,
    `run(now)`, opening its own. `next_due(session)` says when it next has work, if it can
    tell, so the engine sleeps until then rather than polling."""

    name: str
    run: Callable[..., int]
    own_transactions: bool = False
    next_due: NextDue | None = None


@dataclass
class JobStep:
    """Runs due jobs of the kinds it has handlers for; one savepoint per job, so a failing job
    is retried later without undoing the others."""

    handlers: Mapping[str, JobHandler] = field(default_factory=dict)
    batch: int = 100

    def __call__(self, session: Session, now: datetime) -> int:
        if not self.handlers:
            return 0
        done = 0
        for job in jobs.claim_due(session, list(self.handlers), now, self.batch):
            try:
                with session.begin_nested():
                    self.handlers[job.kind](session, dict(job.payload), now)
            except Exception as error:
                jobs.retry_later(job, now, f"{type(error).__name__}: {error}")
                continue
            jobs.finish(session, job)
            done += 1
        return done


def housekeeping(session: Session, now: datetime) -> int:
    return (
        purge_expired_sessions(session, now)
        + purge_forgotten(session, now)
        + deliveries.prune_settled(session, now)
    )


def default_steps(job_handlers: Mapping[str, JobHandler] | None = None) -> list[Step]:
    """The fixed order. Later capabilities insert their steps here (escalations due, ack
    deadlines, heartbeats, SLI rules, silence and maintenance expiry, reminders, delivery)."""
    return [
        Step("jobs", JobStep(dict(job_handlers or {}))),
        Step("heartbeats", check_heartbeats),
        Step("sli_rules", evaluate_rules),
        Step("holds", release_held),
        Step("metric_samples", prune_samples),
        Step("housekeeping", housekeeping),
    ]
