"""A responder acknowledging or resolving an incident by hand: the incident and its open alerts
change together (as in PagerDuty), with a timeline entry naming the actor and an audit entry.

Resolving closes the alerts too, so the monitor's next trigger opens a new alert and a new
incident instead of repeating into an alert whose incident is over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onwatch.alerts.models import ALERT, ALERT_TALLY
from onwatch.alerts.rows import update_alerts
from onwatch.core.errors import Conflict
from onwatch.incidents import actions as incidents
from onwatch.incidents import lifecycle, transitions
from onwatch.incidents.models import Incident


def acknowledge_incident(
    session: Session, incident_id: int, *, actor: str, now: datetime, source: str = "system"
) -> tuple[Incident, bool]:
    """Acknowledge the incident and its firing alerts. False when it already was (or is
    mitigated); Conflict, with the lifecycle's sentence, when it is resolved or closed."""
    incident = incidents.get(session, incident_id, for_update=True)
    incidents.require_open(incident, "acknowledge")
    before = incident.status
    # Who acknowledged is the entry's actor, which pages show as the person's name.
    changed = incidents.acknowledge(session, incident, actor=actor, now=now, source=source)
    if changed:
        _acknowledge_alerts(session, incident, now)
        incidents.audit(
            session,
            incident,
            "acknowledge",
            actor,
            now,
            {"status": before},
            {"status": incident.status},
        )
    return incident, changed


def _acknowledge_alerts(session: Session, incident: Incident, now: datetime) -> None:
    update_alerts(
        session,
        (ALERT.c.incident_id == incident.id) & (ALERT.c.status == "firing"),
        status="acknowledged",
        acknowledged_at=now,
    )


def mitigate_incident(
    session: Session, incident_id: int, *, actor: str, now: datetime, source: str = "system"
) -> tuple[Incident, bool]:
    """Mitigate the incident; its firing alerts are acknowledged (nobody is paged for them)."""
    incident, changed = transitions.mitigate(
        session, incident_id, actor=actor, now=now, source=source
    )
    if changed:
        _acknowledge_alerts(session, incident, now)
    return incident, changed


def resolve_incident(
    session: Session, incident_id: int, *, actor: str, now: datetime, source: str = "system"
) -> tuple[Incident, bool]:
    """Resolve the incident and every open alert of it. False when it already was resolved;
    Conflict when it is closed (reopen it first)."""
    incident = incidents.get(session, incident_id, for_update=True)
    if incident.status == "closed":
        raise Conflict(lifecycle.refusal(incident.status, "resolve", incident.id))
    before = incident.status
    changed = incidents.resolve(session, incident, actor=actor, now=now, source=source)
    if changed:
        resolving = (ALERT.c.incident_id == incident.id) & (ALERT.c.status != "resolved")
        # First the tallies: a trigger racing with this on PostgreSQL waits for its alert's
        # tally, not the alert, and finding event_hash cleared opens a new alert instead of
        # folding into this one (tests/integration/alerts/test_repeat_races.py).
        session.execute(
            update(ALERT_TALLY)
            .where(ALERT_TALLY.c.alert_id.in_(select(ALERT.c.id).where(resolving)))
            .values(event_hash=None)
        )
        update_alerts(session, resolving, status="resolved", resolved_at=now, held_by=None)
        incidents.audit(
            session,
            incident,
            "resolve",
            actor,
            now,
            {"status": before},
            {"status": incident.status},
        )
    return incident, changed
