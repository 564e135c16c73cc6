"""Incident roles: the commander, the communications owner and custom roles from the config, each
held by one person with an optional backup (one holder per role is the schema's). Assigning and
handing over are timeline entries and audited. Defaults: the person who acknowledges becomes
commander when there is none (not on an upstream incident, which needs no commander), and a role
that names a team role (`team_role: product_manager`) goes to its holder, with its backup, when
the incident opens. All in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.directory.actors import person_of
from onwatch.directory.models import Person, Service, Team, TeamRole
from onwatch.incidents.models import Incident, IncidentRole, RoleDefinition
from onwatch.incidents.timeline import note

COMMANDER = "commander"
COMMUNICATIONS = "communications"


@dataclass(frozen=True)
class Role:
    """A role incidents can have, as the config (or the built-in default) defines it."""

    name: str
    display_name: str
    instructions: str
    remind_after: timedelta | None = None
    team_role: str | None = None


BUILT_IN: dict[str, Role] = {
    COMMANDER: Role(
        COMMANDER,
        "Incident commander",
        "Own the incident: gather its impact (users affected, severity, effort to fix, time to "
        "the next release), decide the response with the leads, hand out the work, and keep "
        "the timeline current until it is resolved. Hand over explicitly if you step away.",
    ),
    COMMUNICATIONS: Role(
        COMMUNICATIONS,
        "Communications owner",
        "Keep everyone outside the room informed: send the status updates and the stakeholder "
        "e-mail on time, and answer questions so the responders can work.",
    ),
}


def definitions(session: Session) -> dict[str, Role]:
    """Every role, built-in first, then the config's in order; the config's `commander` or
    `communications` replaces the built-in's instructions, reminder and team role."""
    found = dict(BUILT_IN)
    rows = session.scalars(
        select(RoleDefinition).order_by(RoleDefinition.position, RoleDefinition.name)
    )
    for row in rows:
        base = BUILT_IN.get(row.name)
        found[row.name] = Role(
            row.name,
            row.display_name or (base.display_name if base else row.name.replace("_", " ")),
            row.instructions or (base.instructions if base else ""),
            timedelta(seconds=row.remind_after_seconds) if row.remind_after_seconds else None,
            row.team_role,
        )
    return found


def holders(session: Session, incident_id: int) -> dict[str, IncidentRole]:
    """The incident's role rows by role (a row with no person is a role that was reminded
    about and is still unclaimed)."""
    rows = session.scalars(select(IncidentRole).where(IncidentRole.incident_id == incident_id))
    return {row.role: row for row in rows}


def assign(
    session: Session,
    incident_id: int,
    role: str,
    person: str,
    *,
    backup: str | None = None,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[IncidentRole, bool]:
    """Give the role to the person (handle), with an optional backup; a hand-over when someone
    else held it. (row, False) when it was already so. Invalid naming `role`, `person` or
    `backup`; NotFound for an unknown incident."""
    incident = locked_incident(session, incident_id)
    known = definitions(session)
    if role not in known:
        raise Invalid(f"no role {role!r}; roles are {', '.join(known)}", "role")
    holder = _person(session, person, "person")
    second = _person(session, backup, "backup") if backup else None
    if second is not None and second.id == holder.id:
        raise Invalid("the backup must be someone other than the holder", "backup")
    return _give(
        session, incident, known[role], holder, second, actor=actor, now=now, source=source
    )


def _give(
    session: Session,
    incident: Incident,
    role: Role,
    holder: Person,
    backup: Person | None,
    *,
    actor: str,
    now: datetime,
    source: str,
    why: str = "",
) -> tuple[IncidentRole, bool]:
    row = holders(session, incident.id).get(role.name)
    backup_id = backup.id if backup else None
    if row is not None and row.person_id == holder.id and row.backup_person_id == backup_id:
        return row, False
    before = _state(session, row)
    previous = session.get(Person, row.person_id) if row and row.person_id else None
    if row is None:
        row = IncidentRole(incident_id=incident.id, role=role.name)
        try:
            # Two people assigning the first holder at once: one wins, the other is told.
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise Conflict(
                f"someone else just assigned {role.display_name.lower()}; reload and try again"
            ) from None
    row.person_id, row.backup_person_id = holder.id, backup_id
    row.assigned_at, row.assigned_by = now, actor
    with_backup = f" (backup {backup.name})" if backup else ""
    if previous is not None and previous.id != holder.id:
        text = f"{role.display_name} handed over from {previous.name} to {holder.name}"
        kind = "role_handover"
    else:
        text = f"{holder.name} is {role.display_name.lower()}"
        kind = "role"
    note(
        session,
        incident,
        kind=kind,
        text=text + with_backup + why,
        actor=actor,
        now=now,
        source=source,
        data={
            "role": role.name,
            "person": holder.handle,
            "backup": backup.handle if backup else None,
        },
    )
    record(
        session,
        actor=actor,
        action="incident.assign_role",
        entity_type="incident",
        entity_key=str(incident.id),
        at=now,
        before=before,
        after={
            "role": role.name,
            "person": holder.handle,
            "backup": backup.handle if backup else None,
        },
    )
    return row, True


def acknowledged(session: Session, incident: Incident, *, actor: str, now: datetime) -> None:
    """The acknowledger becomes commander when the incident has none (and is not upstream), if
    the actor is a directory person (a linked login or a signed link)."""
    if incident.upstream:
        return
    current = holders(session, incident.id).get(COMMANDER)
    if current is not None and current.person_id is not None:
        return
    person = person_of(session, actor)
    if person is None:
        return
    role = definitions(session)[COMMANDER]
    _give(
        session, incident, role, person, None, actor=actor, now=now, source="system",
        why=": acknowledged first",
    )  # fmt: skip


def opened(session: Session, incident: Incident, now: datetime) -> None:
    """Roles that name a team role go to its holder in the service's team, with its backup."""
    configured = list(
        session.execute(
            select(RoleDefinition.name, RoleDefinition.team_role).where(
                RoleDefinition.team_role.is_not(None)
            )
        )
    )
    if not configured:
        return
    team_id = session.scalar(select(Service.team_id).where(Service.id == incident.service_id))
    if team_id is None:
        return
    known = definitions(session)
    team_roles = {
        r.role: r for r in session.scalars(select(TeamRole).where(TeamRole.team_id == team_id))
    }
    team_name = session.scalar(select(Team.name).where(Team.id == team_id))
    for name, team_role in configured:
        held = team_roles.get(team_role)
        if held is None or (name == COMMANDER and incident.upstream):
            continue
        person = session.get(Person, held.person_id)
        backup = session.get(Person, held.backup_person_id) if held.backup_person_id else None
        if person is None:
            continue
        _give(
            session, incident, known[name], person, backup, actor="system", now=now,
            source="system", why=f" ({team_name}'s {team_role})",
        )  # fmt: skip


def _state(session: Session, row: IncidentRole | None) -> dict[str, Any] | None:
    if row is None or row.person_id is None:
        return None
    person = session.get(Person, row.person_id)
    backup = session.get(Person, row.backup_person_id) if row.backup_person_id else None
    return {
        "role": row.role,
        "person": person.handle if person else None,
        "backup": backup.handle if backup else None,
    }


def locked_incident(session: Session, incident_id: int) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    incident = session.scalar(stmt)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def _person(session: Session, handle: str | None, field: str) -> Person:
    person = session.scalar(select(Person).where(Person.handle == (handle or "").strip()))
    if person is None:
        raise Invalid(f"no person {handle!r} in the directory", field)
    return person
