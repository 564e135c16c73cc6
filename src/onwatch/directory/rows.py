"""Reading and writing the rows of many people, teams or services at once, below the ORM: a
config file of thousands spent its time in the unit of work's bookkeeping, a few queries and one
flush per item. Here each kind of row is a few statements per section: read with plain selects,
written with multi-row statements on the table. The caller decides what to write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from onwatch.core.db import Base
from onwatch.directory import queries
from onwatch.directory.models import (
    ContactMethod,
    NotificationRule,
    Person,
    Runbook,
    Service,
    ServiceDependency,
    Team,
    TeamMember,
    TeamRole,
)
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec

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


def _where_in(
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
    return dict(_where_in(session, select(name, id_), name, names))


def names_of(
    session: Session,
    id_: InstrumentedAttribute[int],
    name: InstrumentedAttribute[str],
    ids: Iterable[int],
) -> dict[int, str]:
    return dict(_where_in(session, select(id_, name), id_, ids))


def _selected(
    session: Session,
    stmt: Select[Any],
    column: InstrumentedAttribute[Any],
    keys: Iterable[Any] | None,
) -> list[Any]:
    """Every row of `stmt` (in its order) when `keys` is None, else those with `column` in it."""
    return list(session.execute(stmt)) if keys is None else _where_in(session, stmt, column, keys)


def _children(
    session: Session,
    stmt: Select[Any],
    parent: InstrumentedAttribute[int],
    ids: Iterable[int] | None,
) -> dict[int, list[Any]]:
    """The rows of `stmt` by their `parent` id, in the statement's order: those of the parents
    `ids`, or of every parent when None."""
    groups: dict[int, list[Any]] = {}
    for row in _selected(session, stmt, parent, ids):
        groups.setdefault(getattr(row, parent.key), []).append(row)
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
    methods = _children(
        session,
        select(
            ContactMethod.person_id,
            ContactMethod.kind,
            ContactMethod.address,
            ContactMethod.label,
            ContactMethod.url,
            ContactMethod.secret,
            ContactMethod.token,
        ).order_by(ContactMethod.person_id, ContactMethod.position),
        ContactMethod.person_id,
        None if handles is None else [p.id for p in people],
    )
    rules = _children(
        session,
        select(
            NotificationRule.person_id,
            NotificationRule.urgency,
            NotificationRule.position,
            NotificationRule.contact,
            NotificationRule.delay_seconds,
        ).order_by(NotificationRule.person_id, NotificationRule.urgency, NotificationRule.position),
        NotificationRule.person_id,
        None if handles is None else [p.id for p in people],
    )
    return {
        p.handle: Stored(p.id, queries.person_spec(p, methods.get(p.id, ()), rules.get(p.id, ())))
        for p in people
    }


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
    members = _children(
        session,
        select(TeamMember.team_id, TeamMember.person_id).order_by(
            TeamMember.team_id, TeamMember.position
        ),
        TeamMember.team_id,
        ids,
    )
    roles = _children(
        session,
        select(
            TeamRole.team_id, TeamRole.role, TeamRole.person_id, TeamRole.backup_person_id
        ).order_by(TeamRole.team_id, TeamRole.role),
        TeamRole.team_id,
        ids,
    )
    named = {t.tech_lead_id for t in teams} | {m.person_id for g in members.values() for m in g}
    for group in roles.values():
        named |= {r.person_id for r in group} | {r.backup_person_id for r in group}
    handle_of = queries.handles(session) if names is None else handles_of(session, named - {None})
    return {
        t.name: Stored(
            t.id, queries.team_spec(t, handle_of, members.get(t.id, ()), roles.get(t.id, ()))
        )
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
            Service.public,
            Service.escalation_policy,
            Service.urgency,
            Service.calendar,
        ).order_by(Service.name),
        Service.name,
        names,
    )
    ids = None if names is None else [s.id for s in services]
    dependencies = _children(
        session,
        select(ServiceDependency.service_id, ServiceDependency.depends_on_id).order_by(
            ServiceDependency.service_id, ServiceDependency.position
        ),
        ServiceDependency.service_id,
        ids,
    )
    runbooks = _children(
        session,
        select(Runbook.service_id, Runbook.title, Runbook.url).order_by(
            Runbook.service_id, Runbook.position
        ),
        Runbook.service_id,
        ids,
    )
    if names is None:
        handle_of, team_of, service_of = (
            queries.handles(session),
            queries.team_names(session),
            queries.service_names(session),
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
            queries.service_spec(
                s,
                handle_of,
                team_of,
                service_of,
                dependencies.get(s.id, ()),
                runbooks.get(s.id, ()),
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


def handles_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """{id: handle} of the people with those ids."""
    return names_of(session, Person.id, Person.handle, ids)


def save(
    session: Session, model: type[Base], key: str, rows: list[tuple[int | None, dict[str, Any]]]
) -> dict[str, int]:
    """Insert the rows without an id and update those with one (every column given, the same
    columns in each); returns {row[key]: id} of all of them."""
    table: Table = model.__table__
    new = [values for id_, values in rows if id_ is None]
    changed = [{"row_id": id_, **values} for id_, values in rows if id_ is not None]
    ids = {values[key]: values["row_id"] for values in changed}
    if new:
        inserted = session.execute(insert(table).returning(table.c[key], table.c.id), new)
        ids.update((name, id_) for name, id_ in inserted)
    if changed:
        columns = {name: bindparam(name) for name in changed[0] if name != "row_id"}
        stmt = update(table).where(table.c.id == bindparam("row_id")).values(columns)
        session.execute(stmt, changed)
    return ids


def replace(
    session: Session,
    parent: str,
    replaced: list[int],
    children: dict[type[Base], list[dict[str, Any]]],
) -> None:
    """For each table of `children`: delete the rows whose `parent` column is one of
    `replaced`, then insert the rows given (the same columns in each)."""
    for model, rows in children.items():
        table: Table = model.__table__
        for chunk in chunks(replaced):
            session.execute(delete(table).where(table.c[parent].in_(chunk)))
        if rows:
            session.execute(insert(table), rows)
