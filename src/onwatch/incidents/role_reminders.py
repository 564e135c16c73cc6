"""The engine step "role_reminders": a role with `remind_after` still unclaimed that long after
its incident opened reminds the incident's responders once (the commander if there is one, else
the people its escalation paged, else the service's on-call, else its tech lead), with a
timeline entry. The reminder is marked by a role row with no holder, so later ticks and other
engines pass it by; an upstream incident is never reminded of its commander."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.directory.models import Person, Service
from onwatch.escalation.targets import Reached
from onwatch.incidents import notices
from onwatch.incidents.models import OPEN_STATUSES, Incident, IncidentRole, TimelineEntry
from onwatch.incidents.roles import COMMANDER, Role, definitions, holders
from onwatch.notifications.models import Notification
from onwatch.schedules.lookups import on_call_for_service

ACTOR = "engine:roles"


def _waiting(role: Role):
    """Open incidents with no row for the role (neither held nor reminded)."""
    condition = and_(
        Incident.status.in_(OPEN_STATUSES),
        ~exists().where(IncidentRole.incident_id == Incident.id, IncidentRole.role == role.name),
    )
    if role.name == COMMANDER:
        condition = and_(condition, Incident.upstream.is_(False))
    return condition


def next_due(session: Session) -> datetime | None:
    """When the next role becomes due for a reminder; None when none waits."""
    due: list[datetime] = []
    for role in definitions(session).values():
        if role.remind_after is None:
            continue
        first = session.scalar(select(func.min(Incident.opened_at)).where(_waiting(role)))
        if first is not None:
            due.append(first + role.remind_after)
    return min(due) if due else None


def remind_unclaimed(session: Session, now: datetime, batch: int = 200) -> int:
    """Remind about every role unclaimed past its `remind_after`; how many reminders."""
    done = 0
    postgres = session.get_bind().dialect.name == "postgresql"
    for role in definitions(session).values():
        if role.remind_after is None:
            continue
        stmt = (
            select(Incident)
            .where(_waiting(role), Incident.opened_at <= now - role.remind_after)
            .order_by(Incident.opened_at)
            .limit(batch)
        )
        if postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        for incident in list(session.scalars(stmt)):
            if _remind(session, incident, role, now):
                done += 1
    return done


def _remind(session: Session, incident: Incident, role: Role, now: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(IncidentRole(incident_id=incident.id, role=role.name, reminded_at=now))
            session.flush()
    except IntegrityError:  # assigned meanwhile
        return False
    people = responders(session, incident, now)
    words = notices.Words(
        title=f"Incident #{incident.id} has no {role.display_name.lower()}",
        text=(
            f"Nobody has taken the {role.display_name.lower()} role on incident #{incident.id} "
            f"({incident.title}) in the {_minutes(role)} since it opened. Take it on the "
            "incident page, or assign someone."
        ),
    )
    notices.send(
        session,
        [Reached("person", p.id, p.name, "responder") for p in people],
        incident_id=incident.id,
        kind="reminder",
        urgency="high",
        key=f"reminder:role:{incident.id}:{role.name}",
        words=words,
        now=now,
    )
    told = ", ".join(p.name for p in people) or "nobody (no commander, pages or on-call)"
    session.add(
        TimelineEntry(
            incident_id=incident.id,
            at=now,
            kind="role_reminder",
            actor=ACTOR,
            source="engine",
            text=f"{role.display_name} still unclaimed after {_minutes(role)}: reminded {told}",
            data={"role": role.name, "people": [p.handle for p in people]},
        )
    )
    return True


def responders(session: Session, incident: Incident, now: datetime) -> list[Person]:
    """Who answers for the incident now: its commander; else whom its escalation paged; else
    the on-call of the service's schedules; else its tech lead (the service's or team's)."""
    commander = holders(session, incident.id).get(COMMANDER)
    if commander is not None and commander.person_id is not None:
        person = session.get(Person, commander.person_id)
        if person is not None:
            return [person]
    paged = session.scalars(
        select(Person)
        .where(
            Person.id.in_(
                select(Notification.person_id).where(
                    Notification.incident_id == incident.id,
                    Notification.kind == "page",
                    Notification.person_id.is_not(None),
                )
            )
        )
        .order_by(Person.name)
    ).all()
    if paged:
        return list(paged)
    on_call = notices.people_by_handle(
        session,
        (o.holder for o in on_call_for_service(session, incident.service_id, now) if o.holder),
    )
    if on_call:
        return on_call
    service = session.get(Service, incident.service_id)
    lead = notices.tech_lead(session, service) if service else None
    found = session.get(Person, lead.id) if lead else None
    return [found] if found else []


def _minutes(role: Role) -> str:
    assert role.remind_after is not None
    minutes = int(role.remind_after.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
