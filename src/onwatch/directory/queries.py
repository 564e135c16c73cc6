"""Reading the directory. Takes a session, never commits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from onwatch.core.errors import FieldError, NotFound
from onwatch.directory.models import (
    ContactMethod,
    Person,
    Runbook,
    Service,
    ServiceDependency,
    Team,
    TeamMember,
    TeamRole,
)
from onwatch.directory.specs import (
    ContactMethodSpec,
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
    found = ids_of(session, Person.handle, Person.id, set(wanted.values()))
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


def handles_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """{id: handle} of the people with those ids."""
    return names_of(session, Person.id, Person.handle, ids)


def team_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Team.id, Team.name)).all())


def service_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Service.id, Service.name)).all())


def person_spec(person: Person) -> PersonSpec:
    return _person_spec(person, person.contact_methods)


def team_spec(team: Team, handle_of: dict[int, str]) -> TeamSpec:
    return _team_spec(team, team.members, team.roles, handle_of)


def service_spec(
    service: Service,
    handle_of: dict[int, str],
    team_of: dict[int, str],
    service_of: dict[int, str],
) -> ServiceSpec:
    return _service_spec(
        service, service.dependencies, service.runbooks, handle_of, team_of, service_of
    )


# The builders below take ORM objects or plain rows alike: anything with the columns' names.


def _person_spec(person: Any, contact_methods: Iterable[Any]) -> PersonSpec:
    return PersonSpec(
        handle=person.handle,
        name=person.name,
        email=person.email,
        time_zone=person.time_zone,
        contact_methods=[
            ContactMethodSpec(type=c.kind, address=c.address, label=c.label)
            for c in contact_methods
        ],
    )


def _team_spec(
    team: Any, members: Iterable[Any], roles: Iterable[Any], handle_of: dict[int, str]
) -> TeamSpec:
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


def _service_spec(
    service: Any,
    dependencies: Iterable[Any],
    runbooks: Iterable[Any],
    handle_of: dict[int, str],
    team_of: dict[int, str],
    service_of: dict[int, str],
) -> ServiceSpec:
    return ServiceSpec(
        name=service.name,
        display_name=service.display_name,
        description=service.description,
        team=team_of.get(service.team_id) if service.team_id else None,
        tech_lead=handle_of.get(service.tech_lead_id) if service.tech_lead_id else None,
        controlled=service.controlled,
        depends_on=[service_of[d.depends_on_id] for d in dependencies],
        runbooks=[RunbookSpec(title=r.title, url=r.url) for r in runbooks],
    )


# Reading many items at once, for `apply` and `export`: a few statements per kind of row, not a
# few per item. Names are looked up CHUNK at a time, far below SQLite's and PostgreSQL's limits
# on the parameters of one statement.
CHUNK = 500
SpecT = TypeVar("SpecT")
T = TypeVar("T")


@dataclass(frozen=True)
class Stored(Generic[SpecT]):
    """A stored item: its row id, and its spec as a config file declares it."""

    id: int
    spec: SpecT


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    ordered = list(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _rows(
    session: Session, stmt: Select[Any], column: InstrumentedAttribute[Any], keys: Iterable[Any]
) -> list[Any]:
    """The rows of `stmt` whose `column` is one of `keys`, CHUNK keys per statement."""
    found: list[Any] = []
    for chunk in chunks(set(keys)):
        found += session.execute(stmt.where(column.in_(chunk))).all()
    return found


def ids_of(
    session: Session,
    name: InstrumentedAttribute[str],
    id_: InstrumentedAttribute[int],
    names: Iterable[str],
) -> dict[str, int]:
    """{name: id} of the rows named `names` (those that exist)."""
    return dict(_rows(session, select(name, id_), name, names))


def names_of(
    session: Session,
    id_: InstrumentedAttribute[int],
    name: InstrumentedAttribute[str],
    ids: Iterable[int],
) -> dict[int, str]:
    return dict(_rows(session, select(id_, name), id_, ids))


def _selected(
    session: Session,
    stmt: Select[Any],
    column: InstrumentedAttribute[Any],
    keys: Iterable[Any] | None,
) -> list[Any]:
    """Every row of `stmt` (in its order) when `keys` is None, else those with `column` in it."""
    return list(session.execute(stmt)) if keys is None else _rows(session, stmt, column, keys)


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def stored_people(
    session: Session, handles: Iterable[str] | None = None
) -> dict[str, Stored[PersonSpec]]:
    """The people named `handles` that exist (everyone, by handle, when None)."""
    people = _selected(
        session,
        select(Person.id, Person.handle, Person.name, Person.email, Person.time_zone).order_by(
            Person.handle
        ),
        Person.handle,
        handles,
    )
    methods = _grouped(
        _selected(
            session,
            select(
                ContactMethod.person_id,
                ContactMethod.kind,
                ContactMethod.address,
                ContactMethod.label,
            ).order_by(ContactMethod.person_id, ContactMethod.position),
            ContactMethod.person_id,
            None if handles is None else [p.id for p in people],
        ),
        "person_id",
    )
    return {p.handle: Stored(p.id, _person_spec(p, methods.get(p.id, ()))) for p in people}


def stored_teams(
    session: Session, names: Iterable[str] | None = None
) -> dict[str, Stored[TeamSpec]]:
    """The teams called `names` that exist (every team, by name, when None)."""
    teams = _selected(
        session,
        select(Team.id, Team.name, Team.display_name, Team.tech_lead_id).order_by(Team.name),
        Team.name,
        names,
    )
    ids = None if names is None else [t.id for t in teams]
    members = _grouped(
        _selected(
            session,
            select(TeamMember.team_id, TeamMember.person_id).order_by(
                TeamMember.team_id, TeamMember.position
            ),
            TeamMember.team_id,
            ids,
        ),
        "team_id",
    )
    roles = _grouped(
        _selected(
            session,
            select(
                TeamRole.team_id, TeamRole.role, TeamRole.person_id, TeamRole.backup_person_id
            ).order_by(TeamRole.team_id, TeamRole.role),
            TeamRole.team_id,
            ids,
        ),
        "team_id",
    )
    named = {t.tech_lead_id for t in teams} | {m.person_id for g in members.values() for m in g}
    for group in roles.values():
        named |= {r.person_id for r in group} | {r.backup_person_id for r in group}
    handle_of = handles(session) if names is None else handles_of(session, named - {None})
    return {
        t.name: Stored(t.id, _team_spec(t, members.get(t.id, ()), roles.get(t.id, ()), handle_of))
        for t in teams
    }


def stored_services(
    session: Session, names: Iterable[str] | None = None
) -> dict[str, Stored[ServiceSpec]]:
    """The services called `names` that exist (every service, by name, when None)."""
    services = _selected(
        session,
        select(
            Service.id,
            Service.name,
            Service.display_name,
            Service.description,
            Service.team_id,
            Service.tech_lead_id,
            Service.controlled,
        ).order_by(Service.name),
        Service.name,
        names,
    )
    ids = None if names is None else [s.id for s in services]
    dependencies = _grouped(
        _selected(
            session,
            select(ServiceDependency.service_id, ServiceDependency.depends_on_id).order_by(
                ServiceDependency.service_id, ServiceDependency.position
            ),
            ServiceDependency.service_id,
            ids,
        ),
        "service_id",
    )
    runbooks = _grouped(
        _selected(
            session,
            select(Runbook.service_id, Runbook.title, Runbook.url).order_by(
                Runbook.service_id, Runbook.position
            ),
            Runbook.service_id,
            ids,
        ),
        "service_id",
    )
    if names is None:
        handle_of, team_of, service_of = (
            handles(session),
            team_names(session),
            service_names(session),
        )
    else:
        handle_of = names_of(
            session, Person.id, Person.handle, {s.tech_lead_id for s in services} - {None}
        )
        team_of = names_of(session, Team.id, Team.name, {s.team_id for s in services} - {None})
        used = {d.depends_on_id for group in dependencies.values() for d in group}
        service_of = names_of(session, Service.id, Service.name, used)
    return {
        s.name: Stored(
            s.id,
            _service_spec(
                s,
                dependencies.get(s.id, ()),
                runbooks.get(s.id, ()),
                handle_of,
                team_of,
                service_of,
            ),
        )
        for s in services
    }


def dependency_graph(session: Session) -> dict[str, list[str]]:
    """Every stored service (by name, in name order) with the services it depends on."""
    needed = aliased(Service)
    rows = session.execute(
        select(Service.name, needed.name)
        .outerjoin(ServiceDependency, ServiceDependency.service_id == Service.id)
        .outerjoin(needed, needed.id == ServiceDependency.depends_on_id)
        .order_by(Service.name, ServiceDependency.position)
    )
    graph: dict[str, list[str]] = {}
    for name, dependency in rows:
        graph.setdefault(name, [])
        if dependency is not None:
            graph[name].append(dependency)
    return graph


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
