"""Releasing held alerts: when the silence or maintenance window holding an alert is no longer
in force, an alert that still fires opens (or joins) an incident at that moment, unless another
silence or window holds it, which then takes it over. An engine step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from onwatch.alerts.holds import in_force
from onwatch.alerts.models import Alert, AlertEventRecord
from onwatch.alerts.placement import place_in_incident
from onwatch.alerts.policies import policy_for
from onwatch.directory.models import Service
from onwatch.incidents import actions as incidents

ACTOR = "engine:release"
BATCH = 500


def release_held(session: Session, now: datetime, batch: int = BATCH) -> int:
    """Move or release up to `batch` open alerts whose hold has ended; how many it touched.
    Alerts that resolved while held were cleared by ingest and are never released."""
    holds = in_force(session, now)
    stmt = (
        select(Alert, Service.name)
        .join(Service, Service.id == Alert.service_id)
        .where(Alert.held_by.is_not(None), Alert.status != "resolved")
        .order_by(Alert.id)
        .limit(batch)
    )
    if holds.held_by:
        stmt = stmt.where(Alert.held_by.not_in(sorted(holds.held_by)))
    if session.get_bind().dialect.name == "postgresql":
        # Another engine releasing the same alerts skips these rows instead of waiting.
        stmt = stmt.with_for_update(of=Alert, skip_locked=True)
    touched = 0
    policies: dict[int, tuple] = {}
    for alert, service_name in session.execute(stmt).all():
        touched += 1
        labels = {str(k): str(v) for k, v in (alert.labels or {}).items()}
        ended, hold = alert.held_by, holds.hold_for(alert.service_id, service_name, labels)
        if hold is not None:
            alert.held_by = hold
            continue
        # The release gets an event row; a trigger after it is news again (alerts.repeats).
        alert.held_by, alert.event_hash = None, None
        if alert.service_id not in policies:
            policies[alert.service_id] = policy_for(session, alert.service_id)
        incident, _opened = place_in_incident(
            session,
            alert_id=alert.id,
            service_id=alert.service_id,
            labels=labels,
            summary=alert.summary,
            severity=alert.severity,
            now=now,
            actor=ACTOR,
            policy=policies[alert.service_id],
        )
        text = f"Alert released when {_describe(ended)} ended: {alert.summary}"
        incidents.note(
            session,
            incident,
            kind="alert",
            actor=ACTOR,
            now=now,
            text=text,
            data={"alert_id": alert.id, "held_by": ended},
        )
        session.execute(
            insert(AlertEventRecord).values(
                alert_id=alert.id,
                seq=alert.event_count,
                received_at=now,
                action="release",
                outcome="released",
                summary=text[:1024],
                severity=alert.severity,
                payload={"held_by": ended, "incident_id": incident.id},
            )
        )
    return touched


def _describe(held_by: str | None) -> str:
    kind, _, number = (held_by or "").partition(":")
    return {"silence": f"silence {number}", "maintenance": f"maintenance window {number}"}.get(
        kind, held_by or "its hold"
    )
