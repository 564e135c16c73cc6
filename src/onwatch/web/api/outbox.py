"""The outbox for admins: messages by state with their last error, and the retry of a dead
letter (audited). Destinations are not shown: they may name where secrets live."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from onwatch.auth.roles import Principal
from onwatch.notifications import deliveries
from onwatch.notifications.models import Notification
from onwatch.web.params import Id
from onwatch.web.security import admin, context

router = APIRouter(prefix="/api/v1", tags=["outbox"])


class OutboxView(BaseModel):
    id: int
    key: str
    kind: str  # page, channel, test, handoff
    label: str  # "Ann Archer by email"
    state: str  # pending, sending, sent, dead, cancelled
    incident_id: int | None
    attempts: int
    due_at: datetime
    last_error: str | None
    rate_limited_until: datetime | None
    cancel_reason: str | None
    created_at: datetime
    sent_at: datetime | None


def outbox_view(row: Notification) -> OutboxView:
    return OutboxView(
        id=row.id, key=row.idempotency_key, kind=row.kind, label=row.label, state=row.state,
        incident_id=row.incident_id, attempts=row.attempts, due_at=row.due_at,
        last_error=row.last_error, rate_limited_until=row.rate_limited_until,
        cancel_reason=row.cancel_reason, created_at=row.created_at, sent_at=row.sent_at,
    )  # fmt: skip


@router.get("/outbox")
def list_outbox(
    request: Request,
    state: str = Query("dead", description="pending, sending, sent, dead, cancelled, or all"),
    limit: int = Query(100, description="At most this many, newest first (1-500)."),
    _: Principal = Depends(admin),
) -> list[OutboxView]:
    """Outbox messages in one state, newest first: dead letters unless `state` says."""
    with context(request).db.read() as session:
        rows = deliveries.list_rows(session, None if state == "all" else state, limit)
        return [outbox_view(row) for row in rows]


@router.post("/outbox/{notification_id}/retry")
def retry_message(
    request: Request, notification_id: Id, who: Principal = Depends(admin)
) -> OutboxView:
    """Send a dead letter again, now, with a fresh count of tries (audited)."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        row = deliveries.retry(session, notification_id, actor=who.actor, now=ctx.clock.now())
        view = outbox_view(row)
    ctx.engine_wakeup.set()
    return view
