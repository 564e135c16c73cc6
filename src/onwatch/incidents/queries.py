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
