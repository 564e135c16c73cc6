"""Reading what a post-mortem is written from and about: the incident's facts for the draft,
its post-mortem, action items and review meeting, and who takes part in the review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.errors import NotFound
from onwatch.directory.actors import display_names
from onwatch.directory.models import Person, Service, Team
from onwatch.incidents.models import Incident, IncidentImpact, IncidentRole, TimelineEntry
from onwatch.postmortems import draft
from onwatch.postmortems.models import ActionItem, Play, PostMortem, ReviewMeeting

COMMANDER = "commander"


def postmortem(session: Session, incident_id: int) -> PostMortem | None:
    return session.scalar(select(PostMortem).where(PostMortem.incident_id == incident_id))


def meeting(session: Session, incident_id: int) -> ReviewMeeting | None:
    return session.scalar(
        select(ReviewMeeting)
        .join(PostMortem, PostMortem.id == ReviewMeeting.postmortem_id)
        .where(PostMortem.incident_id == incident_id)
    )


def items(session: Session, incident_id: int) -> list[tuple[ActionItem, Person | None]]:
    rows = session.execute(
        select(ActionItem, Person)
        .outerjoin(Person, Person.id == ActionItem.owner_id)
        .where(ActionItem.incident_id == incident_id)
        .order_by(ActionItem.id)
    )
    return [(item, person) for item, person in rows]


def commander(session: Session, incident_id: int) -> Person | None:
    return session.scalar(
        select(Person)
        .join(IncidentRole, IncidentRole.person_id == Person.id)
        .where(IncidentRole.incident_id == incident_id, IncidentRole.role == COMMANDER)
    )


def service_owner(session: Session, service_id: int) -> Person | None:
    """The service's tech lead, else its team's."""
    service = session.get(Service, service_id)
    if service is None:
        return None
    lead_id = service.tech_lead_id
    if lead_id is None and service.team_id is not None:
        team = session.get(Team, service.team_id)
        lead_id = team.tech_lead_id if team is not None else None
    return session.get(Person, lead_id) if lead_id is not None else None


def facts(session: Session, incident: Incident) -> draft.Facts:
    service = session.get(Service, incident.service_id)
    entries = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    ).all()
    names = display_names(session, {e.actor for e in entries})
    impact_row = session.get(IncidentImpact, incident.id)
    impact = None
    if impact_row is not None:
        impact = draft.Impact(
            users_count=impact_row.users_count,
            users_share=impact_row.users_share,
            qa_severity=impact_row.qa_severity,
            remediation_effort=impact_row.remediation_effort,
            next_release_at=impact_row.next_release_at,
            applications=tuple(impact_row.applications or ()),
            business_impact=impact_row.business_impact,
        )
    lead = commander(session, incident.id)
    return draft.Facts(
        incident_id=incident.id,
        title=incident.title,
        service=service.name if service is not None else str(incident.service_id),
        severity=incident.severity,
        status=incident.status,
        opened_at=incident.opened_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        summary=incident.summary,
        commander=lead.name if lead is not None else None,
        impact=impact,
        timeline=tuple(
            draft.Entry(e.at, e.kind, names.get(e.actor, e.actor), e.source, e.text)
            for e in entries
        ),
        items=tuple(
            draft.Item(
                item.title,
                person.name if person is not None else None,
                item.due_on,
                item.status,
                item.kind,
                item.ticket_url,
            )
            for item, person in items(session, incident.id)
        ),
    )


def play_of(session: Session, incident_id: int) -> Play | None:
    """The play saved from the incident, if any."""
    return session.scalar(select(Play).where(Play.incident_id == incident_id))


def suggested_plays(session: Session, incident: Incident, limit: int = 20) -> list[Play]:
    """The plays of the incident's service, newest first, but the one saved from it."""
    return list(
        session.scalars(
            select(Play)
            .where(Play.service_id == incident.service_id)
            .where((Play.incident_id.is_(None)) | (Play.incident_id != incident.id))
            .order_by(Play.created_at.desc(), Play.id.desc())
            .limit(limit)
        )
    )


def play(session: Session, play_id: int) -> Play:
    found = session.get(Play, play_id)
    if found is None:
        raise NotFound(f"no play {play_id}")
    return found


def service_name(session: Session, service_id: int) -> str:
    return session.scalar(select(Service.name).where(Service.id == service_id)) or ""
