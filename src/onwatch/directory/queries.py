"""Reading the directory. Takes a session, never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.errors import FieldError, NotFound
from onwatch.directory.models import Person, Service, ServiceDependency, Team
from onwatch.directory.specs import (
    ContactMethodSpec,
    NotificationRuleSpec,
    NotificationRulesSpec,
    PersonSpec,
    RunbookSpec,
    ServiceSpec,
    TeamRoleSpec,
    TeamSpec,
)


def person_by_handle(session: Session, handle: str) -> Person | None:
    return session.scalar(select(Person).where(Person.handle == handle))


def team_by_name(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name))


def service_by_name(session: Session, name: str) -> Service | None:
    return session.scalar(select(Service).where(Service.name == name))


def get_person(session: Session, handle: str) -> Person:
    person = person_by_handle(session, handle)
    if person is None:
        raise NotFound(f"no person {handle!r}")
    return person


def get_team(session: Session, name: str) -> Team:
    team = team_by_name(session, name)
    if team is None:
        raise NotFound(f"no team {name!r}")
    return team


def get_service(session: Session, name: str) -> Service:
    service = service_by_name(session, name)
    if service is None:
        raise NotFound(f"no service {name!r}")
    return service


def person_ids(session: Session, wanted: dict[str, str]) -> tuple[dict[str, int], list[FieldError]]:
    """Resolve {field: handle} to ids; a FieldError for each handle that names nobody."""
    found = dict(
        session.execute(
            select(Person.handle, Person.id).where(Person.handle.in_(set(wanted.values())))
        ).all()
    )
    errors = [
        FieldError(field, f"no person {handle!r}")
        for field, handle in wanted.items()
        if handle not in found
    ]
    return found, errors


def list_people(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).order_by(Person.handle)))


def list_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def list_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.name)))


def handles(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Person.id, Person.handle)).all())


def team_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Team.id, Team.name)).all())


def service_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Service.id, Service.name)).all())


# The specs are built from ORM objects, or from plain rows (anything with the columns' names)
# given with their child rows.


def person_spec(
    person: Any,
    contact_methods: Iterable[Any] | None = None,
    rules: Iterable[Any] | None = None,
) -> PersonSpec:
    if contact_methods is None:
        contact_methods = person.contact_methods
    if rules is None:
        rules = person.notification_rules
    by_urgency: dict[str, list[NotificationRuleSpec]] = {"high": [], "low": []}
    for r in sorted(rules, key=lambda r: (r.urgency, r.position)):
        by_urgency[r.urgency].append(
            NotificationRuleSpec(contact=r.contact, after=timedelta(seconds=r.delay_seconds))
        )
    return PersonSpec(
        handle=person.handle,
        name=person.name,
        email=person.email,
        time_zone=person.time_zone,
        contact_methods=[
            ContactMethodSpec(
                type=c.kind,
                address=c.address,
                label=c.label,
                url=c.url,
                secret=c.secret,
                token=c.token,
            )
            for c in contact_methods
        ],
        notification_rules=NotificationRulesSpec(**by_urgency),
    )


def team_spec(
    team: Any,
    handle_of: dict[int, str],
    members: Iterable[Any] | None = None,
    roles: Iterable[Any] | None = None,
) -> TeamSpec:
    members = team.members if members is None else members
    roles = team.roles if roles is None else roles
    return TeamSpec(
        name=team.name,
        display_name=team.display_name,
        members=[handle_of[m.person_id] for m in members],
        tech_lead=handle_of.get(team.tech_lead_id) if team.tech_lead_id else None,
        roles={
            r.role: TeamRoleSpec(
                person=handle_of[r.person_id],
                backup=handle_of.get(r.backup_person_id) if r.backup_person_id else None,
            )
            for r in roles
        },
    )


def service_spec(
    service: Any,
    handle_of: dict[int, str],
    team_of: dict[int, str],
    service_of: dict[int, str],
    dependencies: Iterable[Any] | None = None,
    runbooks: Iterable[Any] | None = None,
) -> ServiceSpec:
    dependencies = service.dependencies if dependencies is None else dependencies
    runbooks = service.runbooks if runbooks is None else runbooks
    return ServiceSpec(
        name=service.name,
        display_name=service.display_name,
        description=service.description,
        team=team_of.get(service.team_id) if service.team_id else None,
        tech_lead=handle_of.get(service.tech_lead_id) if service.tech_lead_id else None,
        controlled=service.controlled,
        public=service.public,
        depends_on=[service_of[d.depends_on_id] for d in dependencies],
        runbooks=[RunbookSpec(title=r.title, url=r.url) for r in runbooks],
        escalation_policy=service.escalation_policy,
        urgency=service.urgency,
        calendar=service.calendar,
    )


@dataclass(frozen=True)
class RoleHolder:
    role: str
    person: str
    backup: str | None


@dataclass(frozen=True)
class Responsibility:
    """Who answers for a service: its team, its tech lead and the team's named roles."""

    service: str
    controlled: bool
    team: str | None
    tech_lead: str | None
    tech_lead_from: str | None  # "service" or "team": where the tech lead was declared
    roles: list[RoleHolder]
    depends_on: list[str]
    dependents: list[str]
    runbooks: list[RunbookSpec]


def responsibility(session: Session, service_name: str) -> Responsibility:
    service = get_service(session, service_name)
    handle_of = handles(session)
    service_of = service_names(session)
    team = session.get(Team, service.team_id) if service.team_id else None
    lead_id, lead_from = service.tech_lead_id, "service"
    if lead_id is None and team is not None and team.tech_lead_id is not None:
        lead_id, lead_from = team.tech_lead_id, "team"
    dependents = session.scalars(
        select(Service.name)
        .join(ServiceDependency, ServiceDependency.service_id == Service.id)
        .where(ServiceDependency.depends_on_id == service.id)
    )
    return Responsibility(
        service=service.name,
        controlled=service.controlled,
        team=team.name if team else None,
        tech_lead=handle_of.get(lead_id) if lead_id else None,
        tech_lead_from=lead_from if lead_id else None,
        roles=[
            RoleHolder(
                r.role,
                handle_of[r.person_id],
                handle_of.get(r.backup_person_id) if r.backup_person_id else None,
            )
            for r in (team.roles if team else [])
        ],
        depends_on=[service_of[d.depends_on_id] for d in service.dependencies],
        dependents=sorted(set(dependents)),
        runbooks=[RunbookSpec(title=r.title, url=r.url) for r in service.runbooks],
    )
