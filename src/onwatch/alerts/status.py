"""What the public status page and endpoint show: running and upcoming maintenance, and which
services are impacted right now (they have an open incident), with no internal detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.alerts.maintenance import Announced, announced
from onwatch.directory.models import Service
from onwatch.incidents.models import Incident

MAJOR = ("sev1", "sev2")


@dataclass(frozen=True)
class Impacted:
    service: str
    service_name: str
    since: datetime
    impact: str  # "major" (a sev1 or sev2 incident is open) or "minor"


@dataclass(frozen=True)
class PublicStatus:
    now: datetime
    maintenance: list[Announced]
    impacted: list[Impacted]


def impacted_services(session: Session) -> list[Impacted]:
    rows = session.execute(
        select(
            Service.name,
            Service.display_name,
            func.min(Incident.opened_at),
            func.min(Incident.severity),  # "sev1" < "sev2" < …: the worst one
        )
        .join(Incident, Incident.service_id == Service.id)
        .where(Incident.status != "resolved")
        .group_by(Service.id, Service.name, Service.display_name)
        .order_by(Service.name)
    )
    return [
        Impacted(name, display or name, since, "major" if worst in MAJOR else "minor")
        for name, display, since, worst in rows
    ]


def public_status(session: Session, now: datetime) -> PublicStatus:
    return PublicStatus(now, announced(session, now), impacted_services(session))
