"""Creating, changing and deleting people, teams and services. Each call validates every
reference first (reporting all problems at once), then writes, then audits, in the caller's
transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import FieldError, Invalid
from onwatch.directory import queries
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
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec


def _audit(session: Session, change: Change | None, actor: str, now: datetime) -> Change | None:
    record_change(session, change, actor=actor, at=now)
    return change


def put_person(session: Session, spec: PersonSpec, *, actor: str, now: datetime) -> Change | None:
    person = queries.person_by_handle(session, spec.handle)
    before = queries.person_spec(person).model_dump(mode="json") if person else None
    after = spec.model_dump(mode="json")
    change = diff("person", spec.handle, before, after)
    if change is None:
        return None
    if person is None:
        person = Person(handle=spec.handle)
        session.add(person)
    person.name, person.email, person.time_zone = spec.name, spec.email, spec.time_zone
    person.contact_methods.clear()
    session.flush()
    person.contact_methods.extend(
        ContactMethod(position=i, kind=c.type, address=c.address, label=c.label)
        for i, c in enumerate(spec.contact_methods)
    )
    session.flush()
    return _audit(session, change, actor, now)


def put_team(session: Session, spec: TeamSpec, *, actor: str, now: datetime) -> Change | None:
    wanted = {f"members[{i}]": h for i, h in enumerate(spec.members)}
    if spec.tech_lead:
        wanted["tech_lead"] = spec.tech_lead
    for role, holder in spec.roles.items():
        wanted[f"roles.{role}.person"] = holder.person
        if holder.backup:
            wanted[f"roles.{role}.backup"] = holder.backup
    ids, errors = queries.person_ids(session, wanted)
    if errors:
        raise Invalid(errors)

    team = queries.team_by_name(session, spec.name)
    before = (
        queries.team_spec(team, queries.handles(session)).model_dump(mode="json") if team else None
    )
    change = diff("team", spec.name, before, spec.model_dump(mode="json"))
    if change is None:
        return None
    if team is None:
        team = Team(name=spec.name)
        session.add(team)
    team.display_name = spec.display_name
    team.tech_lead_id = ids[spec.tech_lead] if spec.tech_lead else None
    team.members.clear()
    team.roles.clear()
    session.flush()
    team.members.extend(
        TeamMember(person_id=ids[h], position=i) for i, h in enumerate(spec.members)
    )
    team.roles.extend(
        TeamRole(
            role=role,
            person_id=ids[holder.person],
            backup_person_id=ids[holder.backup] if holder.backup else None,
        )
        for role, holder in spec.roles.items()
    )
    session.flush()
    return _audit(session, change, actor, now)


def put_service(session: Session, spec: ServiceSpec, *, actor: str, now: datetime) -> Change | None:
    errors: list[FieldError] = []
    team = queries.team_by_name(session, spec.team) if spec.team else None
    if spec.team and team is None:
        errors.append(FieldError("team", f"no team {spec.team!r}"))
    lead_ids, lead_errors = queries.person_ids(
        session, {"tech_lead": spec.tech_lead} if spec.tech_lead else {}
    )
    errors += lead_errors
    dependency_ids = dict(
        session.execute(
            select(Service.name, Service.id).where(Service.name.in_(spec.depends_on))
        ).all()
    )
    for i, name in enumerate(spec.depends_on):
        if name == spec.name:
            errors.append(FieldError(f"depends_on[{i}]", "a service cannot depend on itself"))
        elif name not in dependency_ids:
            errors.append(FieldError(f"depends_on[{i}]", f"no service {name!r}"))
    if len(set(spec.depends_on)) != len(spec.depends_on):
        errors.append(FieldError("depends_on", "lists a service twice"))
    service = queries.service_by_name(session, spec.name)
    if service is not None and not errors:
        errors += _cycles_through(session, service.id, spec.depends_on, dependency_ids)
    if errors:
        raise Invalid(errors)

    before = None
    if service is not None:
        before = queries.service_spec(
            service,
            queries.handles(session),
            queries.team_names(session),
            queries.service_names(session),
        ).model_dump(mode="json")
    change = diff("service", spec.name, before, spec.model_dump(mode="json"))
    if change is None:
        return None
    if service is None:
        service = Service(name=spec.name)
        session.add(service)
    service.display_name, service.description = spec.display_name, spec.description
    service.team_id = team.id if team else None
    service.tech_lead_id = lead_ids[spec.tech_lead] if spec.tech_lead else None
    service.controlled, service.public = spec.controlled, spec.public
    service.dependencies.clear()
    service.runbooks.clear()
    session.flush()
    service.dependencies.extend(
        ServiceDependency(depends_on_id=dependency_ids[n], position=i)
        for i, n in enumerate(spec.depends_on)
    )
    service.runbooks.extend(
        Runbook(position=i, title=r.title, url=str(r.url)) for i, r in enumerate(spec.runbooks)
    )
    session.flush()
    return _audit(session, change, actor, now)


def _cycles_through(
    session: Session, service_id: int, depends_on: list[str], ids: dict[str, int]
) -> list[FieldError]:
    """A dependency that already needs this service (directly or not) would close a cycle."""
    needs: dict[int, list[int]] = {}
    for source, target in session.execute(
        select(ServiceDependency.service_id, ServiceDependency.depends_on_id)
    ):
        needs.setdefault(source, []).append(target)
    errors = []
    for i, name in enumerate(depends_on):
        seen, stack = set(), [ids[name]]
        while stack:
            current = stack.pop()
            if current == service_id:
                errors.append(
                    FieldError(
                        f"depends_on[{i}]",
                        f"{name!r} already depends on this service; that would be a cycle",
                    )
                )
                break
            if current not in seen:
                seen.add(current)
                stack.extend(needs.get(current, []))
    return errors


def _delete(session: Session, row: object, change: Change, actor: str, now: datetime) -> Change:
    # A savepoint keeps the outer transaction usable if a row elsewhere still points here
    # (PostgreSQL aborts the whole transaction on a constraint error otherwise).
    try:
        with session.begin_nested():
            session.delete(row)
            session.flush()
    except IntegrityError:
        raise Invalid(
            f"{change.kind} {change.key!r} is still referenced elsewhere; "
            "remove those references first"
        ) from None
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
    before = queries.team_spec(team, queries.handles(session)).model_dump(mode="json")
    return _delete(session, team, deleted("team", name, before), actor, now)


def delete_service(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    service = queries.get_service(session, name)
    dependents = queries.responsibility(session, name).dependents
    if dependents:
        raise Invalid(f"service {name!r} is still a dependency of {', '.join(dependents)}")
    before = queries.service_spec(
        service,
        queries.handles(session),
        queries.team_names(session),
        queries.service_names(session),
    ).model_dump(mode="json")
    return _delete(session, service, deleted("service", name, before), actor, now)
