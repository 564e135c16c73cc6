"""Writing outbox rows, in the caller's transaction: each with its deterministic idempotency key,
inserted once however often its cause is recorded; and cancelling pages that are no longer
needed. The engine delivers them (engine/delivery)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.notifications.models import Notification


@dataclass(frozen=True)
class Outgoing:
    """A message to write: what it goes to and when it is due."""

    key: str
    kind: str
    due_at: datetime
    destination: dict[str, Any]
    label: str
    urgency: str = "high"
    incident_id: int | None = None
    person_id: int | None = None
    contact_method_id: int | None = None
    channel_id: int | None = None
    payload: dict[str, Any] | None = None


def write(session: Session, outgoing: Iterable[Outgoing], now: datetime) -> int:
    """Insert each message unless a row with its key exists; how many were new."""
    rows = [
        {
            "idempotency_key": o.key,
            "kind": o.kind,
            "urgency": o.urgency,
            "incident_id": o.incident_id,
            "person_id": o.person_id,
            "contact_method_id": o.contact_method_id,
            "channel_id": o.channel_id,
            "destination": o.destination,
            "label": o.label[:300],
            "state": "pending",
            "due_at": o.due_at,
            "attempts": 0,
            "payload": o.payload or {},
            "created_at": now,
        }
        for o in outgoing
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement whatever the rows, so it is compiled once and cached (a multi-VALUES insert
    # built from the rows is compiled anew each time, which cost an engine step most of its
    # time); the driver sends the rows in batches. RETURNING counts what was new on both
    # backends (rowcount is not reliable across drivers).
    stmt = (
        insert(Notification)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Notification.id)
    )
    return len(session.execute(stmt, rows).all())


def cancel_pages(session: Session, incident_id: int, reason: str) -> int:
    """Cancel the incident's pages and channel messages not yet handed to a sender (the
    incident was acknowledged or resolved); how many. Rows already `sending` are not recalled."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.incident_id == incident_id,
            Notification.kind.in_(("page", "channel")),
            Notification.state == "pending",
        )
        .values(state="cancelled", cancel_reason=reason[:200])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
