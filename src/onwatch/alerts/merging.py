"""Merging incidents: one is marked a duplicate of the other (incidents/transitions.py), and the
duplicate's open alerts move to the incident that stays, so their repeats land there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.alerts.models import ALERT
from onwatch.alerts.rows import update_alerts
from onwatch.incidents import actions as incidents
from onwatch.incidents import transitions
from onwatch.incidents.models import Incident


def merge_incidents(
    session: Session,
    incident_id: int,
    into_id: int,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[Incident, Incident, int]:
    """Mark `incident_id` a duplicate of `into_id` and move its open alerts there; the two
    incidents and how many alerts moved. Refusals are transitions.merge's."""
    duplicate, target = transitions.merge(
        session, incident_id, into_id, actor=actor, now=now, source=source
    )
    moving = (ALERT.c.incident_id == duplicate.id) & (ALERT.c.status != "resolved")
    moved = session.scalar(select(func.count()).select_from(ALERT).where(moving)) or 0
    if moved:
        update_alerts(session, moving, incident_id=target.id)
        duplicate.alert_count = max(duplicate.alert_count - moved, 0)
        target.alert_count += moved
        incidents.note(
            session,
            target,
            kind="alert",
            text=f"{moved} open alert{'s' if moved != 1 else ''} moved here from #{duplicate.id}",
            actor=actor,
            now=now,
            source=source,
            data={"from": duplicate.id, "alerts": moved},
        )
    return duplicate, target, moved
