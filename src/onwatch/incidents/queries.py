"""Reading incidents and their timelines: lists newest first, a page at a time by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.core.errors import Invalid, NotFound
from onwatch.core.paging import MAX_PAGE, Page, keyset_page
from onwatch.directory.models import Service, Team
from onwatch.incidents.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    PRIORITIES,
    SEVERITIES,
    STATUSES,
    Incident,
    SeverityLevel,
    TimelineEntry,
)
from onwatch.incidents.numbers import Numbers, numbers
from onwatch.incidents.severity import DEFAULT_NAMES

OPEN = "open"  # a status filter for triggered, acknowledged or mitigated
DONE = "done"  # resolved or closed
ALL = "all"
STATUS_FILTERS = (*STATUSES, OPEN, DONE, ALL)
MAX_QUERY = 200
MAX_TIMELINE = 1000


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    service: str


@dataclass(frozen=True)
class Filters:
    """What an incident list may be narrowed to; None or empty is no filter. `q` is text the
    title contains (case-insensitive); `since`/`until` bound when the incident opened."""

    service: str | None = None
    status: str | None = None
    severity: str | None = None
    priority: str | None = None
    team: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_incidents(
    session: Session,
    *,
    service: str | None = None,
    status: str | None = None,
    before: int | None = None,
    limit: int = 50,
    filters: Filters | None = None,
) -> Page[IncidentRow]:
    f = filters or Filters(service=service, status=status)
    stmt = select(Incident, Service.name).join(Service, Service.id == Incident.service_id)
    if f.service:
        found = session.scalar(select(Service.id).where(Service.name == f.service))
        if found is None:
            raise NotFound(f"no service {f.service!r}")
        stmt = stmt.where(Incident.service_id == found)
    if f.team:
        team_id = session.scalar(select(Team.id).where(Team.name == f.team))
        if team_id is None:
            raise NotFound(f"no team {f.team!r}")
        stmt = stmt.where(Service.team_id == team_id)
    if f.status == OPEN:
        stmt = stmt.where(Incident.status.in_(OPEN_STATUSES))
    elif f.status == DONE:
        stmt = stmt.where(Incident.status.in_(DONE_STATUSES))
    elif f.status and f.status != ALL:
        if f.status not in STATUSES:
            raise Invalid(
                f"must be one of {', '.join(STATUS_FILTERS)} (got {f.status!r})", "status"
            )
        stmt = stmt.where(Incident.status == f.status)
    if f.severity:
        if f.severity not in SEVERITIES:
            raise Invalid(
                f"must be one of {', '.join(SEVERITIES)} (got {f.severity!r})", "severity"
            )
        stmt = stmt.where(Incident.severity == f.severity)
    if f.priority:
        if f.priority == "none":
            stmt = stmt.where(Incident.priority.is_(None))
        elif f.priority not in PRIORITIES:
            raise Invalid(
                f"must be one of {', '.join(PRIORITIES)} or none (got {f.priority!r})", "priority"
            )
        else:
            stmt = stmt.where(Incident.priority == f.priority)
    if f.q and f.q.strip():
        text = f.q.strip()
        if len(text) > MAX_QUERY or "\x00" in text:
            raise Invalid(f"at most {MAX_QUERY} characters of text", "q")
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(Incident.title).like(f"%{escaped}%", escape="\\"))
    if f.since is not None:
        stmt = stmt.where(Incident.opened_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Incident.opened_at < f.until)
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
        .where(Incident.status.in_(OPEN_STATUSES))
        # "sev1" < "sev2" < …: the check constraint keeps severities to those four.
        .order_by(Incident.severity, Incident.opened_at, Incident.id)
        .limit(limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.status.in_(OPEN_STATUSES))
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
            .where(Incident.status.in_(OPEN_STATUSES))
            .group_by(Service.name)
        )
    }


def severity_names(session: Session) -> dict[str, str]:
    """Each severity's name: as configured (`severities:`), else the default."""
    names = dict(DEFAULT_NAMES)
    names.update((c, n) for c, n in session.execute(select(SeverityLevel.code, SeverityLevel.name)))
    return names


def incident_numbers(session: Session, incident: Incident) -> Numbers:
    """The incident's numbers, from the timeline entries of its lifecycle moves."""
    moves = [
        (kind, at)
        for kind, at in session.execute(
        select(TimelineEntry.kind, TimelineEntry.at)
        .where(
            TimelineEntry.incident_id == incident.id,
            TimelineEntry.kind.in_(("acknowledged", "mitigated", "resolved", "reopened")),
        )
        .order_by(TimelineEntry.at, TimelineEntry.id)
        )
    ]
    return numbers(incident.opened_at, moves)
