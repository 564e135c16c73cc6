"""Creating, changing and deleting people, teams and services. Each call validates every
reference first (reporting all problems at once), then writes, then audits, in the caller's
transaction. The puts take a whole section of a config file at once (one item is a section of
one): stored rows are read once, and only what changed is written and audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change, record_changes
from onwatch.core.changes import Change, Outcome, deleted, diff
from onwatch.core.db import delete_unless_referenced
from onwatch.core.errors import FieldError, Invalid
from onwatch.directory import contacts, queries, rows
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

DIRECTORY_ROWS = (
    Person,
    ContactMethod,
    NotificationRule,
    Team,
    TeamMember,
    TeamRole,
    Service,
    ServiceDependency,
    Runbook,
)


def _one(outcomes: list[Outcome]) -> Change | None:
    (outcome,) = outcomes
    if isinstance(outcome, Invalid):
        raise outcome
    return outcome


def _audit(session: Session, change: Change | None, actor: str, now: datetime) -> Change | None:
    record_change(session, change, actor=actor, at=now)
    return change


def _diff(kind: str, key: str, stored: rows.Stored[Any] | None, spec: BaseModel) -> Change | None:
    before = stored.spec.model_dump(mode="json") if stored is not None else None
    return diff(kind, key, before, spec.model_dump(mode="json"))


def _finish(session: Session, outcomes: list[Outcome], actor: str, now: datetime) -> list[Outcome]:
    """Audit what changed. Directory objects the ORM read earlier in the transaction are out of
    date once rows are written below it: they load again when next used."""
    changes = [o for o in outcomes if isinstance(o, Change)]
    if changes:
        record_changes(session, changes, actor=actor, at=now)
        for loaded in list(session.identity_map.values()):
            if isinstance(loaded, DIRECTORY_ROWS):
                session.expire(loaded)
    return outcomes


def put_person(session: Session, spec: PersonSpec, *, actor: str, now: datetime) -> Change | None:
    return _one(put_people(session, [spec], actor=actor, now=now))


def put_team(session: Session, spec: TeamSpec, *, actor: str, now: datetime) -> Change | None:
    return _one(put_teams(session, [spec], actor=actor, now=now))


def put_service(session: Session, spec: ServiceSpec, *, actor: str, now: datetime) -> Change | None:
    return _one(put_services(session, [spec], actor=actor, now=now))


def put_people(
    session: Session, specs: Sequence[PersonSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    """Create or update each person (handles unique); one outcome per spec, in order. Only the
    people that changed are written and audited. A notification rule that names no contact
    method it can use is an Invalid naming the rule, and the person is not written."""
    session.flush()
    stored = rows.stored_people(session, [s.handle for s in specs])
    outcomes: list[Outcome] = []
    for s in specs:
        problems = contacts.rule_problems(s)
        outcomes.append(
            Invalid(problems) if problems else _diff("person", s.handle, stored.get(s.handle), s)
        )
    changed = [s for s, o in zip(specs, outcomes, strict=True) if isinstance(o, Change)]
    ids = rows.save(
        session,
        Person,
        "handle",
        [
            (
                _id(stored, s.handle),
                {"handle": s.handle, "name": s.name, "email": s.email, "time_zone": s.time_zone},
            )
            for s in changed
        ],
    )
    rows.replace(
        session,
        "person_id",
        [_id(stored, s.handle) for s in changed if s.handle in stored],
        {
            # Rules first: they refer to the contact methods replaced next.
            NotificationRule: [],
            ContactMethod: [
                {
                    "person_id": ids[s.handle],
                    "position": i,
                    "kind": c.type,
                    "address": c.address,
                    "label": c.label,
                    "url": c.url,
                    "secret": c.secret,
                    "token": c.token,
                }
                for s in changed
                for i, c in enumerate(s.contact_methods)
            ],
        },
    )
    _insert_rules(session, changed, ids)
    return _finish(session, outcomes, actor, now)


def _insert_rules(session: Session, people: list[PersonSpec], ids: dict[str, int]) -> None:
    """The notification rules of `people`, whose contact methods were just written."""
    with_rules = [p for p in people if contacts.has_rules(p)]
    if not with_rules:
        return
    method_ids = {
        (person_id, position): id_
        for id_, person_id, position in session.execute(
            select(ContactMethod.id, ContactMethod.person_id, ContactMethod.position).where(
                ContactMethod.person_id.in_([ids[p.handle] for p in with_rules])
            )
        )
    }
    values = []
    for person in with_rules:
        person_id = ids[person.handle]
        for urgency in contacts.URGENCIES:
            for position, rule in enumerate(getattr(person.notification_rules, urgency)):
                index = contacts.method_of(person, rule)
                values.append(
                    {
                        "person_id": person_id,
                        "urgency": urgency,
                        "position": position,
                        "contact": str(rule.contact),
                        "contact_method_id": (
                            None if index is None else method_ids[(person_id, index)]
                        ),
                        "delay_seconds": int(rule.after.total_seconds()),
                    }
                )
    session.execute(insert(NotificationRule), values)


def _team_handles(spec: TeamSpec) -> dict[str, str]:
    """{field: handle} for every person the team names."""
    wanted = {f"members[{i}]": h for i, h in enumerate(spec.members)}
    if spec.tech_lead:
        wanted["tech_lead"] = spec.tech_lead
    for role, holder in spec.roles.items():
        wanted[f"roles.{role}.person"] = holder.person
        if holder.backup:
            wanted[f"roles.{role}.backup"] = holder.backup
    return wanted


def put_teams(
    session: Session, specs: Sequence[TeamSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    """Create or update each team (names unique); one outcome per spec, in order. A team that
    names someone who does not exist is an Invalid naming the field, and is not written."""
    session.flush()
    wanted = [_team_handles(s) for s in specs]
    person_ids = rows.ids_of(
        session, Person.handle, Person.id, {h for w in wanted for h in w.values()}
    )
    stored = rows.stored_teams(session, [s.name for s in specs])
    outcomes: list[Outcome] = []
    for spec, named in zip(specs, wanted, strict=True):
        missing = [
            FieldError(field, f"no person {handle!r}")
            for field, handle in named.items()
            if handle not in person_ids
        ]
        outcomes.append(
            Invalid(missing) if missing else _diff("team", spec.name, stored.get(spec.name), spec)
        )
    changed = [s for s, o in zip(specs, outcomes, strict=True) if isinstance(o, Change)]
    ids = rows.save(
        session,
        Team,
        "name",
        [
            (
                _id(stored, s.name),
                {
                    "name": s.name,
                    "display_name": s.display_name,
                    "tech_lead_id": person_ids[s.tech_lead] if s.tech_lead else None,
                },
            )
            for s in changed
        ],
    )
    rows.replace(
        session,
        "team_id",
        [_id(stored, s.name) for s in changed if s.name in stored],
        {
            TeamMember: [
                {"team_id": ids[s.name], "person_id": person_ids[h], "position": i}
                for s in changed
                for i, h in enumerate(s.members)
            ],
            TeamRole: [
                {
                    "team_id": ids[s.name],
                    "role": role,
                    "person_id": person_ids[holder.person],
                    "backup_person_id": person_ids[holder.backup] if holder.backup else None,
                }
                for s in changed
                for role, holder in s.roles.items()
            ],
        },
    )
    return _finish(session, outcomes, actor, now)


def put_services(
    session: Session, specs: Sequence[ServiceSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    """Create or update each service (names unique), in the order given: a service may depend
    on one stored already or put before it here. One outcome per spec, in order; a service
    with a reference to nothing, or whose new dependencies would close a cycle, is an Invalid
    naming the field, and is not written."""
    session.flush()
    team_ids = rows.ids_of(session, Team.name, Team.id, {s.team for s in specs if s.team})
    lead_ids = rows.ids_of(
        session, Person.handle, Person.id, {s.tech_lead for s in specs if s.tech_lead}
    )
    service_ids = rows.ids_of(
        session, Service.name, Service.id, {d for s in specs for d in s.depends_on}
    )
    stored = rows.stored_services(session, [s.name for s in specs])
    known = set(service_ids)  # services a later one may depend on: stored, or put before it
    graph: dict[str, list[str]] | None = None  # read when an existing service needs it
    outcomes: list[Outcome] = []
    for spec in specs:
        errors = _service_references(spec, team_ids, lead_ids, known)
        found = stored.get(spec.name)
        if not errors and found is not None and found.spec.depends_on != spec.depends_on:
            graph = rows.dependency_graph(session) if graph is None else graph
            errors += _cycles_through(spec, graph)
        if errors:
            outcomes.append(Invalid(errors))
            continue
        known.add(spec.name)
        if graph is not None:
            graph[spec.name] = list(spec.depends_on)
        outcomes.append(_diff("service", spec.name, found, spec))
    changed = [s for s, o in zip(specs, outcomes, strict=True) if isinstance(o, Change)]
    service_ids |= rows.save(
        session,
        Service,
        "name",
        [
            (
                _id(stored, s.name),
                {
                    "name": s.name,
                    "display_name": s.display_name,
                    "description": s.description,
                    "team_id": team_ids[s.team] if s.team else None,
                    "tech_lead_id": lead_ids[s.tech_lead] if s.tech_lead else None,
                    "controlled": s.controlled,
                    "public": s.public,
                    "escalation_policy": s.escalation_policy,
                    "urgency": s.urgency,
                    "calendar": s.calendar,
                },
            )
            for s in changed
        ],
    )
    rows.replace(
        session,
        "service_id",
        [_id(stored, s.name) for s in changed if s.name in stored],
        {
            ServiceDependency: [
                {"service_id": service_ids[s.name], "depends_on_id": service_ids[n], "position": i}
                for s in changed
                for i, n in enumerate(s.depends_on)
            ],
            Runbook: [
                {
                    "service_id": service_ids[s.name],
                    "position": i,
                    "title": r.title,
                    "url": str(r.url),
                }
                for s in changed
                for i, r in enumerate(s.runbooks)
            ],
        },
    )
    return _finish(session, outcomes, actor, now)


def _service_references(
    spec: ServiceSpec, team_ids: dict[str, int], lead_ids: dict[str, int], known: set[str]
) -> list[FieldError]:
    errors: list[FieldError] = []
    if spec.team and spec.team not in team_ids:
        errors.append(FieldError("team", f"no team {spec.team!r}"))
    if spec.tech_lead and spec.tech_lead not in lead_ids:
        errors.append(FieldError("tech_lead", f"no person {spec.tech_lead!r}"))
    for i, name in enumerate(spec.depends_on):
        if name == spec.name:
            errors.append(FieldError(f"depends_on[{i}]", "a service cannot depend on itself"))
        elif name not in known:
            errors.append(FieldError(f"depends_on[{i}]", f"no service {name!r}"))
    if len(set(spec.depends_on)) != len(spec.depends_on):
        errors.append(FieldError("depends_on", "lists a service twice"))
    return errors


def _cycles_through(spec: ServiceSpec, graph: dict[str, list[str]]) -> list[FieldError]:
    """A dependency that already needs this service (directly or not) would close a cycle."""
    errors = []
    for i, name in enumerate(spec.depends_on):
        seen, stack = set(), [name]
        while stack:
            current = stack.pop()
            if current == spec.name:
                errors.append(
                    FieldError(
                        f"depends_on[{i}]",
                        f"{name!r} already depends on this service; that would be a cycle",
                    )
                )
                break
            if current not in seen:
                seen.add(current)
                stack.extend(graph.get(current, []))
    return errors


def _id(stored: dict[str, rows.Stored[Any]], key: str) -> int | None:
    found = stored.get(key)
    return found.id if found is not None else None


def _delete(session: Session, row: object, change: Change, actor: str, now: datetime) -> Change:
    delete_unless_referenced(
        session,
        row,
        f"{change.kind} {change.key!r} is still referenced elsewhere; "
        "remove those references first",
    )
    return _audit(session, change, actor, now) or change


def delete_person(session: Session, handle: str, *, actor: str, now: datetime) -> Change:
    person = queries.get_person(session, handle)
    teams = session.scalars(
        select(Team.name)
        .outerjoin(TeamMember)
        .outerjoin(TeamRole)
        .where(
            or_(
                Team.tech_lead_id == person.id,
                TeamMember.person_id == person.id,
                TeamRole.person_id == person.id,
                TeamRole.backup_person_id == person.id,
            )
        )
        .distinct()
    ).all()
    users = [f"team {t!r}" for t in teams]
    services = session.scalars(select(Service.name).where(Service.tech_lead_id == person.id))
    users += [f"service {s!r}" for s in services]
    if users:
        raise Invalid(f"person {handle!r} is still named by {', '.join(users)}")
    change = deleted("person", handle, queries.person_spec(person).model_dump(mode="json"))
    return _delete(session, person, change, actor, now)


def delete_team(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    team = queries.get_team(session, name)
    owned = session.scalars(select(Service.name).where(Service.team_id == team.id)).all()
    if owned:
        raise Invalid(f"team {name!r} still owns {', '.join(map(repr, owned))}")
    before = rows.stored_teams(session, [name])[name].spec.model_dump(mode="json")
    return _delete(session, team, deleted("team", name, before), actor, now)


def delete_service(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    service = queries.get_service(session, name)
    dependents = session.scalars(
        select(Service.name)
        .join(ServiceDependency, ServiceDependency.service_id == Service.id)
        .where(ServiceDependency.depends_on_id == service.id)
        .order_by(Service.name)
    ).all()
    if dependents:
        raise Invalid(f"service {name!r} is still a dependency of {', '.join(dependents)}")
    before = rows.stored_services(session, [name])[name].spec.model_dump(mode="json")
    return _delete(session, service, deleted("service", name, before), actor, now)
