"""Reading what stakeholder e-mails need: a service's lists and zone, an incident's role
holders and updates, a team's settings. Takes a session, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onwatch.calendars.models import StoredCalendar
from onwatch.core.errors import NotFound
from onwatch.directory.models import Person, Service, Team
from onwatch.incidents.models import IncidentRole
from onwatch.stakeholders import policy
from onwatch.stakeholders.models import StakeholderSettings, StatusUpdate, Subscriber

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class ServiceFacts:
    id: int
    name: str
    display_name: str
    team_id: int | None
    team: str | None
    zone: Any  # tzinfo: the service's calendar's zone, else UTC


def service_facts(session: Session, service_id: int) -> ServiceFacts:
    row = session.execute(
        select(Service, Team.name)
        .outerjoin(Team, Team.id == Service.team_id)
        .where(Service.id == service_id)
    ).first()
    if row is None:
        raise NotFound(f"no service {service_id}")
    service, team = row
    return ServiceFacts(
        service.id,
        service.name,
        service.display_name or service.name,
        service.team_id,
        team,
        calendar_zone(session, service.calendar),
    )


def service_by_name(session: Session, name: str) -> ServiceFacts:
    found = session.scalar(select(Service.id).where(Service.name == name))
    if found is None:
        raise NotFound(f"no service {name!r}")
    return service_facts(session, found)


def calendar_zone(session: Session, calendar: str | None) -> Any:
    """The calendar's time zone (the dates of stakeholder e-mails are written in it); UTC for a
    service without a calendar."""
    if not calendar:
        return UTC_ZONE
    spec = session.scalar(select(StoredCalendar.spec).where(StoredCalendar.name == calendar))
    return ZoneInfo(str(spec.get("time_zone") or "UTC")) if spec else UTC_ZONE


def team_settings(session: Session, team_id: int | None) -> policy.Settings:
    """The team's stakeholder settings; a team with no `stakeholders:` entry is unconfigured."""
    if team_id is None:
        return policy.UNCONFIGURED
    spec = session.scalar(
        select(StakeholderSettings.spec).where(StakeholderSettings.team_id == team_id)
    )
    if not spec:
        return policy.UNCONFIGURED
    # Stored without its team (the row's key); any name passes the spec's check here.
    return policy.settings_of(policy.StakeholdersSpec.model_validate({**spec, "team": "stored"}))


def subscribers_of(session: Session, service: ServiceFacts) -> list[str]:
    """The subscribed addresses of the service's list and its team's, in order, once each."""
    lists = [Subscriber.service_id == service.id]
    if service.team_id is not None:
        lists.append(Subscriber.team_id == service.team_id)
    found = session.scalars(
        select(Subscriber.address)
        .where(or_(*lists), Subscriber.unsubscribed_at.is_(None))
        .order_by(Subscriber.id)
    )
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Holder:
    role: str
    person_id: int
    name: str
    email: str


def role_holders(session: Session, incident_id: int) -> list[Holder]:
    """Who holds each of the incident's roles (not their backups), role by role."""
    rows = session.execute(
        select(IncidentRole.role, Person.id, Person.name, Person.email)
        .join(Person, Person.id == IncidentRole.person_id)
        .where(IncidentRole.incident_id == incident_id)
        .order_by(IncidentRole.role)
    )
    return [Holder(role, pid, name, email) for role, pid, name, email in rows]


def role_holder(session: Session, incident_id: int, role: str) -> int | None:
    """The person holding the role, else its backup, else None."""
    row = session.execute(
        select(IncidentRole.person_id, IncidentRole.backup_person_id).where(
            IncidentRole.incident_id == incident_id, IncidentRole.role == role
        )
    ).first()
    if row is None:
        return None
    return row[0] if row[0] is not None else row[1]


def updates(session: Session, incident_id: int) -> list[StatusUpdate]:
    return list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id == incident_id)
            .order_by(StatusUpdate.at, StatusUpdate.id)
        )
    )


def update_count(session: Session, incident_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(StatusUpdate)
            .where(StatusUpdate.incident_id == incident_id)
        )
        or 0
    )


def last_update_at(session: Session, incident_ids: list[int]) -> dict[int, datetime]:
    return {
        incident_id: at
        for incident_id, at in session.execute(
            select(StatusUpdate.incident_id, func.max(StatusUpdate.at))
            .where(StatusUpdate.incident_id.in_(incident_ids))
            .group_by(StatusUpdate.incident_id)
        )
    }


@dataclass(frozen=True)
class ListEntry:
    id: int
    list_kind: str  # team or service
    list_name: str
    address: str
    source: str
    added_at: datetime
    added_by: str
    unsubscribed_at: datetime | None


def list_subscribers(
    session: Session, *, team: str | None = None, service: str | None = None
) -> list[ListEntry]:
    """Every list entry (subscribed or not), by list and address; only the named list's when
    `team` or `service` is given."""
    stmt = (
        select(Subscriber, Team.name, Service.name)
        .outerjoin(Team, Team.id == Subscriber.team_id)
        .outerjoin(Service, Service.id == Subscriber.service_id)
    )
    if team:
        stmt = stmt.where(Team.name == team)
    if service:
        stmt = stmt.where(Service.name == service)
    entries = [
        ListEntry(
            s.id,
            "team" if s.team_id is not None else "service",
            team_name if s.team_id is not None else service_name,
            s.address,
            s.source,
            s.added_at,
            s.added_by,
            s.unsubscribed_at,
        )
        for s, team_name, service_name in session.execute(stmt)
    ]
    return sorted(entries, key=lambda e: (e.list_kind, e.list_name, e.address))
