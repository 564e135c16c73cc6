"""The outbox as admins see it: rows by state (dead letters first of all), and the retry of a
dead letter, audited, in the caller's transaction. The engine sends it (engine/delivery)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
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


def overdue(session: Session, now: datetime, grace: timedelta) -> list[str]:
    """What of the outbox is late (a sentence each; empty when on time): messages due more than
    `grace` ago and not taken, and leases expired more than `grace` ago (their engine died and
    no other took them over). A message waiting out a rate limit is due when the limit lets it
    go, so it is not late before then."""
    since = now - grace
    found: list[str] = []
    pending, oldest = session.execute(
        select(func.count(), func.min(Notification.due_at)).where(
            Notification.state == "pending", Notification.due_at < since
        )
    ).one()
    if pending:
        found.append(f"{pending} outbox messages overdue (the oldest due {oldest:%H:%M:%S} UTC)")
    held = session.scalar(
        select(func.count()).where(
            Notification.state == "sending", Notification.lease_until < since
        )
    )
    if held:
        found.append(f"{held} outbox messages held by an engine whose lease has expired")
    return found


def latency_histogram(
    session: Session, bounds: Sequence[float], since: datetime
) -> tuple[list[int], int, float]:
    """Messages sent since `since`, by delivery latency (first due to sent), in seconds: the
    cumulative count at or under each bound, the count of all, and the sum of their latencies.
    Bounded by `since` (an index on sent_at), so the cost does not grow with the outbox."""
    columns = [
        func.sum(case((Notification.latency_ms <= int(bound * 1000), 1), else_=0))
        for bound in bounds
    ]
    row = session.execute(
        select(func.count(), func.sum(Notification.latency_ms), *columns).where(
            Notification.state == "sent",
            Notification.sent_at >= since,
            Notification.latency_ms.is_not(None),
        )
    ).one()
    count, total, *under = row
    return [int(n or 0) for n in under], int(count or 0), float(total or 0) / 1000


# How long sent and cancelled messages stay in the outbox (the incident's timeline keeps what
# happened to them for good); dead letters stay until an admin retries them.
KEEP_SETTLED = timedelta(days=30)


def prune_settled(session: Session, now: datetime, keep: timedelta = KEEP_SETTLED) -> int:
    """Delete sent and cancelled messages due more than `keep` ago; how many. Read through the
    (state, due_at) index, so it costs little when there is nothing to prune."""
    result = session.execute(
        delete(Notification)
        .where(Notification.state.in_(("sent", "cancelled")), Notification.due_at < now - keep)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
