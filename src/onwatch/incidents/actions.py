"""Opening incidents from alerts, alerts joining and leaving them, acknowledging and resolving.
Every change leaves a timeline entry; all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from onwatch.core.errors import Conflict, NotFound
from onwatch.incidents import severity as severities
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
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=incident.id, at=now, kind=kind, actor=actor, text=text, data=data or {}
    )
    session.add(entry)
    return entry


def open_incident(
    session: Session,
    *,
    service_id: int,
    title: str,
    severity: str,
    now: datetime,
    actor: str,
    group_key: str | None = None,
    group_slot: str | None = None,
    auto_resolve: bool = True,
) -> Incident:
    incident = Incident(
        service_id=service_id,
        title=title[:1024],
        severity=severity,
        status="triggered",
        group_key=group_key,
        group_slot=group_slot,
        auto_resolve=auto_resolve,
        opened_at=now,
        alert_count=0,
    )
    session.add(incident)
    session.flush()
    note(
        session,
        incident,
        kind="opened",
        text=f"Opened: {title}",
        actor=actor,
        now=now,
        data={"severity": severity, "group_key": group_key},
    )
    return incident


def open_in_group(session: Session, service_id: int, group_slot: str) -> Incident | None:
    return session.scalar(
        select(Incident).where(
            Incident.service_id == service_id,
            Incident.group_slot == group_slot,
            Incident.status != "resolved",
        )
    )


def newest_open_with_key(session: Session, service_id: int, group_key: str) -> Incident | None:
    return session.scalar(
        select(Incident)
        .where(
            Incident.service_id == service_id,
            Incident.group_key == group_key,
            Incident.status != "resolved",
        )
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Joining:
    """An alert joining an incident."""

    alert_id: int
    summary: str
    alert_severity: str


def alerts_joined(
    session: Session,
    incident: Incident,
    joining: Sequence[Joining],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Alerts join the incident, in order: each is counted, may raise its severity, and after
    the first is noted on the timeline. The entries are inserted in one statement, since a
    storm brings hundreds of alerts into one incident at once."""
    entries = []
    for alert in joining:
        incident.alert_count += 1
        candidate = severities.from_alert(alert.alert_severity)
        if severities.is_more_severe(candidate, incident.severity):
            entries.append(
                _entry(
                    incident,
                    "severity",
                    f"Severity raised from {incident.severity} to {candidate}",
                    actor,
                    now,
                    {"before": incident.severity, "after": candidate},
                )
            )
            incident.severity = candidate
        if incident.alert_count > 1:
            entries.append(
                _entry(
                    incident,
                    "alert",
                    f"Alert joined: {alert.summary}",
                    actor,
                    now,
                    {"alert_id": alert.alert_id},
                )
            )
    if entries:
        session.execute(insert(TimelineEntry.__table__), entries)


def _entry(
    incident: Incident, kind: str, text: str, actor: str, now: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "at": now,
        "kind": kind,
        "actor": actor,
        "text": text,
        "data": data,
    }


def acknowledge(
    session: Session, incident: Incident, *, actor: str, now: datetime, text: str = "Acknowledged"
) -> bool:
    """Acknowledge a triggered incident; False when it already was (or is resolved)."""
    if incident.status != "triggered":
        return False
    incident.status, incident.acknowledged_at = "acknowledged", now
    note(session, incident, kind="acknowledged", text=text, actor=actor, now=now)
    return True


def resolve(
    session: Session, incident: Incident, *, actor: str, now: datetime, text: str = "Resolved"
) -> bool:
    """Resolve an open incident; False when it already was."""
    if incident.status == "resolved":
        return False
    incident.status, incident.resolved_at = "resolved", now
    note(session, incident, kind="resolved", text=text, actor=actor, now=now)
    return True


def get(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    incident = session.scalar(stmt)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def require_open(incident: Incident) -> None:
    if incident.status == "resolved":
        raise Conflict(f"incident {incident.id} is already resolved")


def count_open(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Incident).where(Incident.status != "resolved")
        )
        or 0
    )
