"""The post-mortem requirement, kept up to date: after each change that can make a rule hold
(impact, security flag, severity, opening, resolving) and, for open incidents, by the engine step
"postmortem_rules" as they last. Reasons only grow; each new one is a timeline entry and audited.
When the requirement first holds, the team's product owner (config `notify_role`) is told once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.directory.models import Person, Service, TeamRole
from onwatch.escalation.targets import Reached
from onwatch.incidents import notices
from onwatch.incidents.models import (
    OPEN_STATUSES,
    Incident,
    IncidentImpact,
    IncidentRole,
)
from onwatch.incidents.postmortem_config import DEFAULT_NOTIFY, for_team
from onwatch.incidents.postmortem_rules import (
    DEFAULT_RULES,
    Facts,
    Rules,
    duration_due,
    grown,
    required,
)
from onwatch.incidents.queries import severity_names
from onwatch.incidents.timeline import note

ACTOR = "engine:postmortem-rules"


def facts_of(session: Session, incident: Incident) -> Facts:
    impact = session.get(IncidentImpact, incident.id)
    return Facts(
        severity=incident.severity,
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        security=incident.security,
        users_share=impact.users_share if impact else None,
        runbook_used=bool(impact and impact.runbook_used),
        other_team_acted=bool(impact and impact.other_team_acted),
        out_of_band_release=bool(impact and impact.out_of_band_release),
        triage=impact.triage if impact else None,
        severity_names=severity_names(session),
    )


def rules_of(session: Session, incident: Incident) -> tuple[Rules, str | None]:
    """The rules of the incident's service's team, and the role told (the defaults without)."""
    service = session.get(Service, incident.service_id)
    spec = for_team(session, service.team_id if service else None)
    if spec is None:
        return DEFAULT_RULES, DEFAULT_NOTIFY
    return spec.rules(), spec.notify_role


def evaluate(
    session: Session, incident: Incident, *, actor: str, now: datetime, source: str = "system"
) -> list[str]:
    """Note the reasons that hold now and were not noted yet; the new ones. A closed incident
    is left as it is, and so is a duplicate (its post-mortem is the other incident's)."""
    if incident.status == "closed" or incident.duplicate_of_id is not None:
        return []
    rules, notify_role = rules_of(session, incident)
    new = grown(
        list(incident.postmortem_reasons), required(facts_of(session, incident), rules, now)
    )
    if not new:
        return []
    before = {
        "required": incident.postmortem_required,
        "reasons": list(incident.postmortem_reasons),
    }
    first = not incident.postmortem_required
    incident.postmortem_reasons = [*incident.postmortem_reasons, *new]
    incident.postmortem_required = True
    for reason in new:
        _note(session, incident, f"Post-mortem required: {reason}", actor, now, source, reason)
    record(
        session, actor=actor, action="incident.postmortem_required", entity_type="incident",
        entity_key=str(incident.id), at=now, before=before,
        after={"required": True, "reasons": list(incident.postmortem_reasons)},
    )  # fmt: skip
    if first and incident.postmortem_state is None and notify_role:
        tell(session, incident, notify_role, now=now)
    return new


def tell(session: Session, incident: Incident, role: str, *, now: datetime) -> list[Reached]:
    """Tell the role's holder (the incident's, else its team's) once per incident."""
    owner = holder(session, incident, role)
    words = notices.Words(
        title=f"Post-mortem required: incident #{incident.id}",
        text=f"Incident #{incident.id} ({incident.title}) requires a post-mortem: "
        f"{'; '.join(incident.postmortem_reasons)}. It closes once the post-mortem is "
        "published or waived with a reason.",
    )
    reached = [owner] if owner else []
    notices.send(
        session, reached, incident_id=incident.id, kind="notice", urgency="low",
        key=f"notice:postmortem:{incident.id}", words=words, now=now,
    )  # fmt: skip
    told = (
        f"Told {owner.name} ({owner.via}) that a post-mortem is required"
        if owner
        else f"Nobody was told that a post-mortem is required: no one holds the role {role}"
    )
    _note(session, incident, told, ACTOR, now, "system", None, kind="postmortem_notice")
    return reached


def holder(session: Session, incident: Incident, role: str) -> Reached | None:
    person_id = session.scalar(
        select(IncidentRole.person_id).where(
            IncidentRole.incident_id == incident.id, IncidentRole.role == role
        )
    )
    via = f"{role} of the incident"
    if person_id is None:
        service = session.get(Service, incident.service_id)
        if service is not None and service.team_id is not None:
            held = session.scalar(
                select(TeamRole).where(TeamRole.team_id == service.team_id, TeamRole.role == role)
            )
            if held is not None:
                person_id, via = held.person_id, f"{role} of the team"
    person = session.get(Person, person_id) if person_id is not None else None
    return Reached("person", person.id, person.name, via) if person else None


def _note(
    session: Session, incident: Incident, text: str, actor: str, now: datetime, source: str,
    reason: str | None, *, kind: str = "postmortem_required",
) -> None:  # fmt: skip
    note(
        session, incident, kind=kind, text=text, actor=actor, now=now, source=source,
        data={"reason": reason} if reason else {},
    )  # fmt: skip


def _open(session: Session, batch: int, *, lock: bool = False) -> list[Incident]:
    stmt = (
        select(Incident)
        .where(Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.opened_at, Incident.id)
        .limit(batch)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        # Another engine, or a responder's change, holds it: it is evaluated there or next tick.
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def _due(session: Session, incident: Incident) -> datetime | None:
    rules, _ = rules_of(session, incident)
    facts = facts_of(session, incident)
    due = duration_due(facts, rules)
    if due is None or grown(list(incident.postmortem_reasons), required(facts, rules, due)) == []:
        return None
    return due


def next_due(session: Session, batch: int = 500) -> datetime | None:
    """When an open incident next passes its team's duration threshold; None when none will."""
    found = [d for i in _open(session, batch) if (d := _due(session, i)) is not None]
    return min(found) if found else None


def check_open(session: Session, now: datetime, batch: int = 500) -> int:
    """The engine step: note the reasons open incidents have come to meet as they last; how
    many incidents have new ones."""
    done = 0
    for incident in _open(session, batch, lock=True):
        due = _due(session, incident)
        if due is not None and due <= now and evaluate(session, incident, actor=ACTOR, now=now):
            done += 1
    return done
