"""Writing audit entries, in the caller's transaction, next to the change they describe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from onwatch.audit.models import AuditEntry
from onwatch.core.changes import Change


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_key: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_key=str(entity_key),
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def record_change(session: Session, change: Change | None, *, actor: str, at: datetime) -> None:
    """Audit a configured object's change (`person.update`, `schedule.create`, …); None is
    no change and records nothing."""
    if change is not None:
        record(
            session,
            actor=actor,
            action=f"{change.kind}.{change.action}",
            entity_type=change.kind,
            entity_key=change.key,
            at=at,
            before=change.before,
            after=change.after,
        )


def record_changes(
    session: Session, changes: Sequence[Change], *, actor: str, at: datetime
) -> None:
    """record_change for many changes in one statement (a config file's thousands)."""
    if changes:
        session.execute(
            insert(AuditEntry.__table__),
            [
                {
                    "at": at,
                    "actor": actor,
                    "action": f"{c.kind}.{c.action}",
                    "entity_type": c.kind,
                    "entity_key": c.key,
                    "before": c.before,
                    "after": c.after,
                }
                for c in changes
            ],
        )
