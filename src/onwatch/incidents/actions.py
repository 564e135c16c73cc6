"""Opening incidents from alerts, alerts joining and leaving them, acknowledging, resolving,
reopening and notes. Every change leaves a timeline entry; all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.directory.models import Service
from onwatch.incidents import escalating, lifecycle, requirement, roles
from onwatch.incidents import severity as severities
from onwatch.incidents.models import DONE_STATUSES, OPEN_STATUSES, Incident, TimelineEntry
from onwatch.incidents.timeline import note


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
        upstream=is_upstream_service(session, service_id),
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
    escalating.start(session, incident, now)
    roles.opened(session, incident, now)
    requirement.evaluate(session, incident, actor=actor, now=now)  # a critical one, at once
    return incident


def is_upstream_service(session: Session, service_id: int) -> bool:
    """An incident on a service we do not control is an upstream outage (it needs no commander)."""
    service = session.get(Service, service_id)
    return service is not None and not service.controlled


def open_in_group(session: Session, service_id: int, group_slot: str) -> Incident | None:
    return session.scalar(
        select(Incident).where(
            Incident.service_id == service_id,
            Incident.group_slot == group_slot,
            Incident.status.in_(OPEN_STATUSES),
        )
    )


def newest_open_with_key(session: Session, service_id: int, group_key: str) -> Incident | None:
    return session.scalar(
        select(Incident)
        .where(
            Incident.service_id == service_id,
            Incident.group_key == group_key,
            Incident.status.in_(OPEN_STATUSES),
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
    if any(e["kind"] == "severity" for e in entries):
        requirement.evaluate(session, incident, actor=actor, now=now)


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


def instants(incident: Incident) -> list[datetime | None]:
    """The incident's instants so far, for lifecycle.instant: a move never goes before them."""
    return [
        incident.opened_at,
        incident.acknowledged_at,
        incident.mitigated_at,
        incident.resolved_at,
        incident.closed_at,
    ]


def acknowledge(
    session: Session,
    incident: Incident,
    *,
    actor: str,
    now: datetime,
    text: str = "Acknowledged",
    source: str = "system",
) -> bool:
    """Acknowledge a triggered incident; False when it already was (or is further on)."""
    if incident.status != "triggered":
        return False
    at = lifecycle.instant(now, instants(incident))
    incident.status, incident.acknowledged_at = "acknowledged", at
    # Before the entry, so that "acknowledged" stays the newest one (the overview shows it).
    roles.acknowledged(session, incident, actor=actor, now=at)
    note(session, incident, kind="acknowledged", text=text, actor=actor, now=at, source=source)
    escalating.stop(session, incident, now, acknowledged=True)
    return True


def resolve(
    session: Session,
    incident: Incident,
    *,
    actor: str,
    now: datetime,
    text: str = "Resolved",
    source: str = "system",
) -> bool:
    """Resolve an open incident; False when it already was (resolved or closed)."""
    if incident.status in DONE_STATUSES:
        return False
    at = lifecycle.instant(now, instants(incident))
    incident.status, incident.resolved_at = "resolved", at
    note(session, incident, kind="resolved", text=text, actor=actor, now=at, source=source)
    escalating.stop(session, incident, now, acknowledged=False)
    requirement.evaluate(session, incident, actor=actor, now=at, source=source)
    return True


def reopen(
    session: Session, incident_id: int, *, actor: str, now: datetime, source: str = "system"
) -> Incident:
    """Open a resolved or closed incident again: acknowledged if it ever was (whoever reopens it
    is on it), else triggered, which escalates again; its mitigation, resolution and
    closing are cleared (the timeline keeps them), the timeline says who, and it is audited.
    Conflict when it is not resolved or closed, or when another open incident of the service
    holds its group: one open incident per service and group is the schema's
    (uq_incident_open_group)."""
    incident = get(session, incident_id, for_update=True)
    before = incident.status
    status = lifecycle.target(
        incident.status,
        "reopen",
        ever_acknowledged=incident.acknowledged_at is not None,
        incident_id=incident.id,
    )
    if incident.group_slot is not None:
        holder = open_in_group(session, incident.service_id, incident.group_slot)
        if holder is not None:
            raise Conflict(_slot_taken(incident, f"incident {holder.id}"))
    at = lifecycle.instant(now, instants(incident))
    try:
        # An alert may open a new incident in the group between the check and this write; the
        # savepoint keeps the caller's transaction usable (PostgreSQL aborts it otherwise).
        with session.begin_nested():
            incident.status, incident.resolved_at, incident.closed_at = status, None, None
            incident.mitigated_at = None
            session.flush()
    except IntegrityError:
        raise Conflict(_slot_taken(incident, "another incident")) from None
    note(session, incident, kind="reopened", text="Reopened", actor=actor, now=at, source=source)
    escalating.restart(session, incident, now)
    audit(session, incident, "reopen", actor, now, {"status": before}, {"status": status})
    return incident


def _slot_taken(incident: Incident, holder: str) -> str:
    return (
        f"{holder} is open for the same service and group ({incident.group_key or 'default'}); "
        f"an incident of a group reopens only while no other is open: work on {holder}, or "
        "resolve it first"
    )


MAX_NOTE = 10_000


def add_note(
    session: Session,
    incident_id: int,
    text: str,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> TimelineEntry:
    """A person's note on the timeline (open or resolved incident alike), audited."""
    incident = get(session, incident_id)
    written = text.strip()
    if not written:
        raise Invalid("write something: a note cannot be empty", "text")
    if len(written) > MAX_NOTE:
        raise Invalid(f"at most {MAX_NOTE} characters (got {len(written)})", "text")
    # PostgreSQL stores neither NUL nor half a surrogate pair: refuse them on both databases.
    if "\x00" in written or any("\ud800" <= c <= "\udfff" for c in written):
        raise Invalid("holds a NUL character or half a surrogate pair, which is no text", "text")
    entry = note(session, incident, kind="note", text=written, actor=actor, now=now, source=source)
    session.flush()
    audit(session, incident, "note", actor, now, None, {"entry": entry.id, "text": written})
    return entry


def audit(
    session: Session,
    incident: Incident,
    verb: str,
    actor: str,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """The audit entry `incident.<verb>` of a change to the incident."""
    record(
        session,
        actor=actor,
        action=f"incident.{verb}",
        entity_type="incident",
        entity_key=str(incident.id),
        at=now,
        before=before,
        after=after,
    )


def get(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    incident = session.scalar(stmt)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def require_open(incident: Incident, move: lifecycle.Move = "acknowledge") -> None:
    """Conflict, with the lifecycle's sentence, unless the incident is open."""
    if incident.status in DONE_STATUSES:
        raise Conflict(lifecycle.refusal(incident.status, move, incident.id))


def count_open(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Incident).where(Incident.status.in_(OPEN_STATUSES))
        )
        or 0
    )
