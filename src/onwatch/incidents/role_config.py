"""The config sections of incident roles and contacts: `incident_roles:` (a role's instructions,
how long it may stay unclaimed, the team role whose holder takes it), `security_contacts:` (told
at once when an incident is flagged security/PII) and `urgent_contacts:` (told at once, with the
service's tech lead, when an incident is triaged data-corrupting or work-stopping). Each put
and delete is audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.calendars.fields import Duration, Spec
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.directory.models import Service, Team
from onwatch.escalation import policies
from onwatch.escalation.specs import PolicySpec, StepSpec, TargetSpec
from onwatch.incidents.models import IncidentContact, RoleDefinition


class RoleSpec(Spec):
    name: Slug = Field(
        description="The role: `commander` and `communications` are built in (this changes "
        "them); any other name adds a custom role such as `scribe`."
    )
    display_name: str | None = Field(None, max_length=200, description="As the page shows it.")
    instructions: str | None = Field(
        None, max_length=5000, description="What the holder does; shown to them on the incident."
    )
    remind_after: Duration | None = Field(
        None,
        description="Still unclaimed this long after the incident opened: its responders are "
        "reminded once (for example 15m).",
    )
    team_role: Slug | None = Field(
        None,
        description="A team role (such as product_manager): its holder in the service's team "
        "takes the role, with the team role's backup, when an incident opens.",
    )


class ContactSpec(Spec):
    name: Slug = Field(description="Short unique name.")
    targets: list[TargetSpec] = Field(
        min_length=1,
        description="Who is told at once: people, a team's tech lead or named role (its "
        "backup when empty), a schedule's role, channels.",
    )


class UrgentSpec(ContactSpec):
    services: list[Slug] = Field(
        default_factory=list, description="Only incidents of these services."
    )
    teams: list[Slug] = Field(
        default_factory=list,
        description="Only incidents of services these teams own. With neither services nor "
        "teams: every service.",
    )


ROLES_SUMMARY = (
    "Incident roles beside the built-in `commander` and `communications`: each with "
    "instructions shown to its holder on the incident page, `remind_after` (a role unclaimed "
    "that long after the incident opened reminds its responders once), and `team_role`, the "
    "team role whose holder takes it (with its backup) when an incident opens. The person "
    "who acknowledges becomes commander when there is none (see docs/incident-roles.md)."
)
ROLES_EXAMPLE = """\
incident_roles:
  - name: commander
    remind_after: 15m
  - name: communications
    team_role: product_owner
    remind_after: 30m
  - name: scribe
    display_name: Scribe
    instructions: Keep the timeline; note every decision and who made it.
"""
SECURITY_SUMMARY = (
    "Who is told at once when an incident is flagged as involving security or personal data: "
    "people, team roles, schedule roles or channels. Flagging it again tells nobody twice "
    "(see docs/incident-roles.md)."
)
SECURITY_EXAMPLE = """\
security_contacts:
  - name: security-team
    targets: [{person: raj}]
"""
URGENT_SUMMARY = (
    "Who is told at once, with the service's tech lead (else its team's), when an incident is "
    "triaged data-corrupting or work-stopping: targets as in escalation policies, for every "
    "service or only some services or teams (see docs/incident-roles.md)."
)
URGENT_EXAMPLE = """\
urgent_contacts:
  - name: payments-leads
    teams: [payments]
    targets: [{team: payments, role: product_owner}]
"""


def role_specs(session: Session) -> list[RoleSpec]:
    rows = session.scalars(
        select(RoleDefinition).order_by(RoleDefinition.position, RoleDefinition.name)
    )
    return [RoleSpec.model_validate(_role_values(row)) for row in rows]


def _role_values(row: RoleDefinition) -> dict[str, Any]:
    values: dict[str, Any] = {"name": row.name}
    if row.display_name:
        values["display_name"] = row.display_name
    if row.instructions:
        values["instructions"] = row.instructions
    if row.remind_after_seconds:
        values["remind_after"] = timedelta(seconds=row.remind_after_seconds)
    if row.team_role:
        values["team_role"] = row.team_role
    return values


def put_role(session: Session, spec: RoleSpec, *, actor: str, now: datetime) -> Change | None:
    if spec.remind_after is not None and spec.remind_after <= timedelta():
        raise Invalid("must be longer than zero", "remind_after")
    row = session.get(RoleDefinition, spec.name)
    after = spec.model_dump(mode="json", exclude_none=True)
    before = (
        RoleSpec.model_validate(_role_values(row)).model_dump(mode="json", exclude_none=True)
        if row
        else None
    )
    change = diff("incident role", spec.name, before, after)
    if change is None:
        return None
    if row is None:
        row = RoleDefinition(name=spec.name, position=_next_position(session))
        session.add(row)
    row.display_name, row.instructions, row.team_role = (
        spec.display_name, spec.instructions, spec.team_role,
    )  # fmt: skip
    row.remind_after_seconds = int(spec.remind_after.total_seconds()) if spec.remind_after else None
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _next_position(session: Session) -> int:
    positions = list(session.scalars(select(RoleDefinition.position)))
    return max(positions, default=-1) + 1


def delete_role(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    row = session.get(RoleDefinition, name)
    if row is None:
        raise NotFound(f"no incident role {name!r}")
    change = deleted(
        "incident role",
        name,
        RoleSpec.model_validate(_role_values(row)).model_dump(mode="json", exclude_none=True),
    )
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _contacts(session: Session, kind: str) -> list[IncidentContact]:
    return list(
        session.scalars(
            select(IncidentContact)
            .where(IncidentContact.kind == kind)
            .order_by(IncidentContact.name)
        )
    )


def security_specs(session: Session) -> list[ContactSpec]:
    return [ContactSpec.model_validate(row.spec) for row in _contacts(session, "security")]


def urgent_specs(session: Session) -> list[UrgentSpec]:
    return [UrgentSpec.model_validate(row.spec) for row in _contacts(session, "urgent")]


def target_problems(session: Session, targets: list[TargetSpec]) -> list[FieldError]:
    """Targets naming a person, team role, schedule role or channel that does not exist."""
    probe = PolicySpec(name="probe", steps=[StepSpec(targets=targets, delay=timedelta())])
    return [
        FieldError(e.field.removeprefix("steps[0]."), e.message)
        for e in policies.reference_problems(probe, policies.Names(session))
    ]


def _put_contact(
    session: Session, kind: str, spec: ContactSpec, *, actor: str, now: datetime
) -> Change | None:
    problems = target_problems(session, spec.targets)
    if isinstance(spec, UrgentSpec):
        problems += _scope_problems(session, spec)
    if problems:
        raise Invalid(problems)
    row = session.get(IncidentContact, (kind, spec.name))
    after = spec.model_dump(mode="json", exclude_defaults=True)
    change = diff(f"{kind} contact", spec.name, row.spec if row else None, after)
    if change is None:
        return None
    if row is None:
        row = IncidentContact(kind=kind, name=spec.name)
        session.add(row)
    row.spec = after
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _scope_problems(session: Session, spec: UrgentSpec) -> list[FieldError]:
    services = set(session.scalars(select(Service.name).where(Service.name.in_(spec.services))))
    teams = set(session.scalars(select(Team.name).where(Team.name.in_(spec.teams))))
    return [
        FieldError(f"services[{i}]", f"no service {name!r}")
        for i, name in enumerate(spec.services)
        if name not in services
    ] + [
        FieldError(f"teams[{i}]", f"no team {name!r}")
        for i, name in enumerate(spec.teams)
        if name not in teams
    ]


def put_security(
    session: Session, spec: ContactSpec, *, actor: str, now: datetime
) -> Change | None:
    return _put_contact(session, "security", spec, actor=actor, now=now)


def put_urgent(session: Session, spec: UrgentSpec, *, actor: str, now: datetime) -> Change | None:
    return _put_contact(session, "urgent", spec, actor=actor, now=now)


def _delete_contact(session: Session, kind: str, name: str, *, actor: str, now: datetime) -> Change:
    row = session.get(IncidentContact, (kind, name))
    if row is None:
        raise NotFound(f"no {kind} contact {name!r}")
    change = deleted(f"{kind} contact", name, row.spec)
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_security(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    return _delete_contact(session, "security", name, actor=actor, now=now)


def delete_urgent(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    return _delete_contact(session, "urgent", name, actor=actor, now=now)
