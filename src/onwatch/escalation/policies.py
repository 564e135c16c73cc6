"""Stored escalation policies: create, change, delete and list them, audited, in the caller's
transaction. Every name a policy's targets use (schedule and role, person, team and role,
channel) must exist when it is written; a refusal names the field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.calendars import queries as calendar_queries
from onwatch.core.changes import Change, Outcome, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.directory.models import Person, Service, Team
from onwatch.escalation.models import EscalationPolicy, PolicyChannel
from onwatch.escalation.plan import DEFAULT_ACK_DEADLINE
from onwatch.escalation.specs import ACK_DEADLINE, TECH_LEAD, PolicySpec
from onwatch.notifications.models import Channel
from onwatch.schedules import queries as schedule_queries


def policy_row(session: Session, name: str) -> EscalationPolicy | None:
    return session.scalar(select(EscalationPolicy).where(EscalationPolicy.name == name))


def get_policy(session: Session, name: str) -> PolicySpec:
    row = policy_row(session, name)
    if row is None:
        raise NotFound(f"no escalation policy {name!r}")
    return PolicySpec.model_validate(row.spec)


def policy_specs(session: Session) -> list[PolicySpec]:
    rows = session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.name))
    return [PolicySpec.model_validate(row.spec) for row in rows]


def policy_names(session: Session) -> set[str]:
    return set(session.scalars(select(EscalationPolicy.name)))


class Names:
    """The names a policy may refer to, read once for a whole section."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.people = set(session.scalars(select(Person.handle)))
        self.teams = {t.name: t for t in session.scalars(select(Team))}
        self.channels = dict(session.execute(select(Channel.name, Channel.id)).all())
        self._schedules = schedule_queries.Schedules(session)
        self.schedules = set(self._schedules.names())
        self._roles: dict[str, tuple[str, ...]] = {}

    def schedule_roles(self, name: str) -> tuple[str, ...]:
        if name not in self._roles:
            self._roles[name] = self._schedules.get(name).roles
        return self._roles[name]


def reference_problems(spec: PolicySpec, names: Names) -> list[FieldError]:
    """Each target naming something that does not exist, by its place in the policy."""
    errors: list[FieldError] = []
    for s, step in enumerate(spec.steps):
        for t, target in enumerate(step.targets):
            place = f"steps[{s}].targets[{t}]"
            if target.schedule is not None:
                if target.schedule not in names.schedules:
                    errors.append(
                        FieldError(f"{place}.schedule", f"no schedule {target.schedule!r}")
                    )
                    continue
                roles = names.schedule_roles(target.schedule)
                if target.role not in roles:
                    errors.append(
                        FieldError(
                            f"{place}.role",
                            f"schedule {target.schedule} has no role {target.role!r} (it has "
                            f"{', '.join(roles)})",
                        )
                    )
            elif target.person is not None and target.person not in names.people:
                errors.append(FieldError(f"{place}.person", f"no person {target.person!r}"))
            elif target.team is not None:
                team = names.teams.get(target.team)
                if team is None:
                    errors.append(FieldError(f"{place}.team", f"no team {target.team!r}"))
                    continue
                roles = [TECH_LEAD, *(r.role for r in team.roles)]
                if target.role not in roles:
                    errors.append(
                        FieldError(
                            f"{place}.role",
                            f"team {team.name} has no role {target.role!r} (it has "
                            f"{', '.join(roles)})",
                        )
                    )
            elif target.channel is not None and target.channel not in names.channels:
                errors.append(FieldError(f"{place}.channel", f"no channel {target.channel!r}"))
    return errors


def put_policies(
    session: Session, specs: Sequence[PolicySpec], *, actor: str, now: datetime
) -> list[Outcome]:
    """Create or update each policy; one outcome per spec. Incidents already open keep the
    snapshot they took when they opened."""
    session.flush()
    names = Names(session)
    outcomes: list[Outcome] = []
    for spec in specs:
        problems = reference_problems(spec, names)
        if problems:
            outcomes.append(Invalid(problems))
            continue
        outcomes.append(put_policy(session, spec, actor=actor, now=now, names=names))
    return outcomes


def put_policy(
    session: Session,
    spec: PolicySpec,
    *,
    actor: str,
    now: datetime,
    names: Names | None = None,
) -> Change | None:
    names = names if names is not None else Names(session)
    problems = reference_problems(spec, names)
    if problems:
        raise Invalid(problems)
    row = policy_row(session, spec.name)
    after = spec.model_dump(mode="json", exclude_defaults=True)
    before = (
        PolicySpec.model_validate(row.spec).model_dump(mode="json", exclude_defaults=True)
        if row
        else None
    )
    change = diff("escalation_policy", spec.name, before, after)
    if change is None:
        return None
    if row is None:
        row = EscalationPolicy(name=spec.name, spec=after, updated_at=now)
        session.add(row)
    row.spec, row.updated_at = spec.model_dump(mode="json"), now
    session.flush()
    session.execute(delete(PolicyChannel).where(PolicyChannel.policy_id == row.id))
    used = sorted({t.channel for step in spec.steps for t in step.targets if t.channel})
    session.add_all(PolicyChannel(policy_id=row.id, channel_id=names.channels[c]) for c in used)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_policy(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    """Delete the policy. Open incidents keep escalating from their snapshot; a service that
    still names it pages nobody for new incidents until it names another (apply refuses that
    within one file)."""
    row = policy_row(session, name)
    if row is None:
        raise NotFound(f"no escalation policy {name!r}")
    before = PolicySpec.model_validate(row.spec).model_dump(mode="json", exclude_defaults=True)
    change = deleted("escalation_policy", name, before)
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def service_reference_problems(
    session: Session, policy: str | None, calendar: str | None
) -> list[FieldError]:
    """A service's `escalation_policy` and `calendar` must name stored ones."""
    errors: list[FieldError] = []
    if policy is not None and policy_row(session, policy) is None:
        errors.append(FieldError("escalation_policy", f"no escalation policy {policy!r}"))
    if calendar is not None and calendar_queries.calendar_row(session, calendar) is None:
        errors.append(FieldError("calendar", f"no calendar {calendar!r}"))
    return errors


def warnings(session: Session, specs: list[PolicySpec], _now: datetime) -> list[str]:
    """A service whose policy waits for `ack_deadline` without a calendar that gives one (the
    default of 30 minutes applies), and a declared policy no service uses."""
    found: list[str] = []
    by_name = {s.name: s for s in policy_specs(session)}
    used: set[str] = set()
    for service in session.scalars(select(Service).order_by(Service.name)):
        if service.escalation_policy is None:
            continue
        used.add(service.escalation_policy)
        spec = by_name.get(service.escalation_policy)
        if spec is None or not any(step.delay == ACK_DEADLINE for step in spec.steps):
            continue
        deadlines = _has_deadlines(session, service)
        if not deadlines:
            found.append(
                f"service {service.name}: policy {spec.name} waits for ack_deadline but the "
                "service has no calendar with ack_deadlines (set `calendar:` on the service); "
                f"{int(DEFAULT_ACK_DEADLINE.total_seconds() // 60)} minutes apply"
            )
    for spec in specs:
        if spec.name not in used:
            found.append(f"escalation policy {spec.name}: no service uses it")
    return found


def _has_deadlines(session: Session, service: Service) -> bool:
    names = [service.calendar] if service.calendar else []
    for schedule in schedule_queries.answering_for(session, service.id):
        row = schedule_queries.schedule_row(session, schedule)
        if row is not None and row.coverage_calendar_id is not None:
            names.append(calendar_queries.calendar_names(session)[row.coverage_calendar_id])
    return any(spec.ack_deadlines for spec in calendar_queries.calendar_specs(session, names[:1]))
