"""What the public status page and endpoint show: only services marked `public`, each impacted
right now by an open incident that a person has acknowledged, and the maintenance announced for
them; no internal detail (no titles, authors or people)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from onwatch.alerts.maintenance import Announced, announced
from onwatch.directory.models import Service
from onwatch.incidents.models import OPEN_STATUSES, Incident

MAJOR = ("sev1", "sev2")


@dataclass(frozen=True)
class Impacted:
    service: str
    service_name: str
    since: datetime
    impact: str  # "major" (a sev1 or sev2 incident is shown) or "minor"


@dataclass(frozen=True)
class ServiceState:
    service: str
    service_name: str
    # "major" or "minor" (impacted), "maintenance" (a window runs on it or on what it needs),
    # or "operational"
    status: str


@dataclass(frozen=True)
class PublicStatus:
    now: datetime
    maintenance: list[Announced]
    impacted: list[Impacted]
    services: list[ServiceState]


def is_told_publicly() -> ColumnElement[bool]:
    """Which open incidents the public is told about: those a person has acknowledged (an
    incident reopened after that stays acknowledged). An unacknowledged alert may be noise, so
    it says nothing publicly until someone has looked. When incidents get published status
    updates, a published one is told too: `or_(this, Incident.published_at.is_not(None))`."""
    return Incident.acknowledged_at.is_not(None)


def impacted_services(session: Session) -> list[Impacted]:
    rows = session.execute(
        select(
            Service.name,
            Service.display_name,
            func.min(Incident.opened_at),
            func.min(Incident.severity),  # "sev1" < "sev2" < …: the worst one
        )
        .join(Incident, Incident.service_id == Service.id)
        .where(Service.public.is_(True), Incident.status.in_(OPEN_STATUSES), is_told_publicly())
        .group_by(Service.id, Service.name, Service.display_name)
        .order_by(Service.name)
    )
    return [
        Impacted(name, display or name, since, "major" if worst in MAJOR else "minor")
        for name, display, since, worst in rows
    ]


def public_maintenance(session: Session, now: datetime) -> list[Announced]:
    """Maintenance the public sees: a window on a public service, or on any service (an
    upstream one, say) that a public service depends on, directly or not. It names only the
    public services it affects."""
    public = set(session.scalars(select(Service.name).where(Service.public.is_(True))))
    shown = []
    for window in announced(session, now):
        affected = [name for name in window.affected_services if name in public]
        if window.service in public or affected:
            shown.append(replace(window, affected_services=affected))
    return shown


def public_status(session: Session, now: datetime) -> PublicStatus:
    maintenance = public_maintenance(session, now)
    impacted = impacted_services(session)
    impact = {i.service: i.impact for i in impacted}
    in_maintenance = {
        name for w in maintenance if w.active for name in [w.service, *w.affected_services]
    }
    services = [
        ServiceState(
            name,
            display or name,
            impact.get(name) or ("maintenance" if name in in_maintenance else "operational"),
        )
        for name, display in session.execute(
            select(Service.name, Service.display_name)
            .where(Service.public.is_(True))
            .order_by(Service.name)
        )
    ]
    return PublicStatus(now, maintenance, impacted, services)
