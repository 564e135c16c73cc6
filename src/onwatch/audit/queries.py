from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.models import AuditEntry


def list_entries(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_key: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first; page with `before_id` (the last id of the previous page)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_key:
        stmt = stmt.where(AuditEntry.entity_key == entity_key)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt))
