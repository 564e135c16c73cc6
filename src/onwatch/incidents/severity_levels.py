"""The names a team gives the four severities (config `severities:`): sev1 may read "Critical"
or "Outage". A severity with no item keeps its default name (incidents/severity.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import NotFound
from onwatch.incidents.models import SeverityLevel


class SeveritySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Literal["sev1", "sev2", "sev3", "sev4"] = Field(description="sev1 is the most severe.")
    name: str = Field(min_length=1, max_length=64, description="What people call it.")
    description: str | None = Field(
        None, max_length=2000, description="When to use it, shown beside the name."
    )


def severity_specs(session: Session) -> list[SeveritySpec]:
    rows = session.scalars(select(SeverityLevel).order_by(SeverityLevel.code))
    return [SeveritySpec.model_validate(_fields(row)) for row in rows]


def _fields(row: SeverityLevel) -> dict[str, str | None]:
    return {"code": row.code, "name": row.name, "description": row.description}


def put_severity(
    session: Session, spec: SeveritySpec, *, actor: str, now: datetime
) -> Change | None:
    row = session.get(SeverityLevel, spec.code)
    before = _fields(row) if row is not None else None
    change = diff("severity", spec.code, before, spec.model_dump())
    if change is None:
        return None
    if row is None:
        row = SeverityLevel(code=spec.code)
        session.add(row)
    row.name, row.description = spec.name, spec.description
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_severity(session: Session, code: str, *, actor: str, now: datetime) -> Change:
    """The severity goes back to its default name; incidents keep their severity."""
    row = session.get(SeverityLevel, code)
    if row is None:
        raise NotFound(f"no severity {code!r}")
    change = deleted("severity", code, _fields(row))
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change
