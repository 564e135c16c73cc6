"""Reading incidents and their timelines: lists newest first, a page at a time by id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.core.errors import Invalid, NotFound
from onwatch.core.paging import MAX_PAGE, Page, keyset_page
from onwatch.directory.models import Service
from onwatch.incidents.models import STATUSES, Incident, TimelineEntry

OPEN = "open"  # a status filter for triggered or acknowledged
MAX_TIMELINE = 1000


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    service: str


def list_incidents(
    session: Session,
    *,
    service: str | None = None,
    status: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Page[IncidentRow]:
    stmt = select(Incident, Service.name).join(Service, Service.id == Incident.service_id)
    if service:
        found = session.scalar(select(Service.id).where(Service.name == service))
        if found is None:
            raise NotFound(f"no service {service!r}")
        stmt = stmt.where(Incident.service_id == found)
    if status == OPEN:
        stmt = stmt.where(Incident.status != "resolved")
    elif status:
        if status not in STATUSES:
            raise Invalid(
                f"must be one of {', '.join([*STATUSES, OPEN])} (got {status!r})", "status"
            )
        stmt = stmt.where(Incident.status == status)
    page = keyset_page(session, stmt, Incident.id, before, min(limit, MAX_PAGE))
    return Page([IncidentRow(i, name) for i, name in page.items], page.next_before)


def get_incident(session: Session, incident_id: int) -> IncidentRow:
    row = session.execute(
        select(Incident, Service.name)
        .join(Service, Service.id == Incident.service_id)
        .where(Incident.id == incident_id)
    ).first()
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return IncidentRow(row[0], row[1])


def timeline(session: Session, incident_id: int) -> tuple[list[TimelineEntry], int]:
    """The first MAX_TIMELINE entries in the order they happened, and how many there are."""
    entries = list(
        session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.at, TimelineEntry.id)
            .limit(MAX_TIMELINE)
        )
    )
    if len(entries) < MAX_TIMELINE:
        return entries, len(entries)
    total = session.scalar(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
    )
    return entries, total or 0


def most_severe_open(session: Session, limit: int) -> tuple[list[IncidentRow], int]:
    """Open incidents, the most severe first (sev1 first) and the oldest first within a
    severity: the first `limit` of them, and how many are open."""
    rows = session.execute(
        select(Incident, Service.name)
        .join(Service, Service.id == Incident.service_id)
        .where(Incident.status != "resolved")
        # "sev1" < "sev2" < …: the check constraint keeps severities to those four.
        .order_by(Incident.severity, Incident.opened_at, Incident.id)
        .limit(limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.status != "resolved")
    )
    return [IncidentRow(i, name) for i, name in rows], total or 0


def acknowledged_by(session: Session, incident_ids: list[int]) -> dict[int, str]:
    """Who acknowledged each of these incidents (the actor of its latest acknowledgement)."""
    found: dict[int, str] = {}
    for incident_id, actor in session.execute(
        select(TimelineEntry.incident_id, TimelineEntry.actor)
        .where(TimelineEntry.kind == "acknowledged", TimelineEntry.incident_id.in_(incident_ids))
        .order_by(TimelineEntry.at, TimelineEntry.id)
    ):
        found[incident_id] = actor
    return found


def open_by_service(session: Session) -> dict[str, tuple[int, str]]:
    """For each service with open incidents: how many, and the most severe one's severity."""
    return {
        name: (count, worst)
        for name, count, worst in session.execute(
            select(Service.name, func.count(), func.min(Incident.severity))
            .join(Service, Service.id == Incident.service_id)
            .where(Incident.status != "resolved")
            .group_by(Service.name)
        )
    }
