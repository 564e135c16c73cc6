"""The one way a timeline entry is written: every change of an incident is one, with its author,
its instant and where it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.incidents.models import Incident, TimelineEntry


def note(
    session: Session,
    incident: Incident,
    *,
    kind: str,
    text: str,
    actor: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    source: str = "system",
) -> TimelineEntry:
    """A timeline entry: what happened, who did it, when, and where it came from (`source`:
    ui, api, cli, link, system…)."""
    entry = TimelineEntry(
        incident_id=incident.id,
        at=now,
        kind=kind,
        actor=actor,
        source=source,
        text=text,
        data=data or {},
    )
    session.add(entry)
    return entry
