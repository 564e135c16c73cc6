"""Reading tickets: a subject's, with how their opening goes (the outbox row that opens each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.notifications.models import Notification
from onwatch.tickets.models import Ticket, TicketTracker


@dataclass(frozen=True)
class TicketView:
    id: int
    repository: str
    state: str  # opening, open, failed
    number: int | None
    url: str | None  # the page
    created_at: datetime
    created_by: str
    opened_at: datetime | None
    # While opening: the outbox row's attempts and why its last try failed; when failed, why.
    attempts: int
    error: str | None
    retry_at: datetime | None


def tickets_of(session: Session, subject_kind: str, subject_id: int) -> list[TicketView]:
    rows = session.execute(
        select(Ticket, TicketTracker.repository, Notification)
        .join(TicketTracker, TicketTracker.id == Ticket.tracker_id)
        .outerjoin(Notification, Notification.idempotency_key == Ticket.open_key)
        .where(Ticket.subject_kind == subject_kind, Ticket.subject_id == subject_id)
        .order_by(Ticket.id)
    ).all()
    return [
        TicketView(
            id=t.id, repository=repository, state=t.state, number=t.number, url=t.html_url,
            created_at=t.created_at, created_by=t.created_by, opened_at=t.opened_at,
            attempts=row.attempts if row else 0,
            error=t.error or (row.last_error if row and t.state == "opening" else None),
            retry_at=row.due_at if row and t.state == "opening" and row.attempts else None,
        )
        for t, repository, row in rows
    ]  # fmt: skip
