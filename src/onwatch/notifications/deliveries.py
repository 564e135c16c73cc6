"""The outbox as admins see it: rows by state (dead letters first of all), and the retry of a
dead letter, audited, in the caller's transaction. The engine sends it (engine/delivery)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.notifications.models import NOTIFICATION_STATES, Notification

MAX_LIST = 500


def list_rows(session: Session, state: str | None = "dead", limit: int = 100) -> list[Notification]:
    """Rows in `state` (None: any), newest first."""
    if state is not None and state not in NOTIFICATION_STATES:
        raise Invalid(f"must be one of {', '.join(NOTIFICATION_STATES)}", "state")
    if not 1 <= limit <= MAX_LIST:
        raise Invalid(f"must be between 1 and {MAX_LIST}", "limit")
    stmt = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(Notification.state == state)
    return list(session.scalars(stmt))


def counts(session: Session) -> dict[str, int]:
    """How many rows are in each state (every state named, 0 when none)."""
    found = dict(
        session.execute(
            select(Notification.state, func.count()).group_by(Notification.state)
        ).all()
    )
    return {state: int(found.get(state, 0)) for state in NOTIFICATION_STATES}


def retry(session: Session, notification_id: int, *, actor: str, now: datetime) -> Notification:
    """Queue a dead letter again, due now with a fresh count of tries. Conflict for a row that
    is not dead (it is still being tried, was sent or was cancelled)."""
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no outbox message {notification_id}")
    if row.state != "dead":
        raise Conflict(
            f"outbox message {notification_id} is {row.state}; only a dead letter is retried"
        )
    before = {"state": row.state, "attempts": row.attempts, "last_error": row.last_error}
    row.state, row.due_at, row.attempts, row.rate_limited_until = "pending", now, 0, None
    record(
        session, actor=actor, action="retry", entity_type="notification",
        entity_key=str(row.id), at=now, before=before,
        after={"state": "pending", "attempts": 0, "key": row.idempotency_key},
    )  # fmt: skip
    session.flush()
    return row
