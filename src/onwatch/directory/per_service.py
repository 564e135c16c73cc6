"""Config sections that hold one row per service (`error_rules:`, `deploy_watches:`): putting
each item's row (created, changed or left) and deleting one, each change audited. The section
says what its row holds (`values`, the columns besides service_id, as the change shows them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.core.changes import Change, Outcome, deleted, diff
from onwatch.core.errors import Invalid, NotFound
from onwatch.directory.models import Service


def put_rows(
    session: Session,
    model: Any,
    kind: str,
    specs: Sequence[Any],
    values: Callable[[Any], dict[str, Any]],
    *,
    actor: str,
    now: datetime,
) -> list[Outcome]:
    """One outcome per spec (each naming its `service`): its row made to hold `values(spec)`."""
    outcomes: list[Outcome] = []
    for spec in specs:
        service_id = session.scalar(select(Service.id).where(Service.name == spec.service))
        if service_id is None:
            outcomes.append(Invalid(f"no service {spec.service!r}", "service"))
            continue
        row = session.get(model, service_id)
        after = values(spec)
        change = diff(kind, spec.service, _held(row, after) if row else None, after)
        if change is not None:
            if row is None:
                row = model(service_id=service_id)
                session.add(row)
            for name, value in after.items():
                setattr(row, name, value)
            session.flush()
            record_change(session, change, actor=actor, at=now)
        outcomes.append(change)
    return outcomes


def delete_row(
    session: Session, model: Any, kind: str, service: str, *, actor: str, now: datetime
) -> Change:
    row = session.scalar(
        select(model).join(Service, Service.id == model.service_id).where(Service.name == service)
    )
    if row is None:
        raise NotFound(f"no {kind} for service {service!r}")
    columns = [c.name for c in model.__table__.columns if c.name != "service_id"]
    change = deleted(kind, service, {name: getattr(row, name) for name in columns})
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _held(row: Any, after: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in after}
