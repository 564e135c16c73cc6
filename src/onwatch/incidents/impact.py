"""An incident's impact (seed 001's fields, seed 003's triage class, the post-mortem rule inputs a
person states) and its security/PII flag. A change is a timeline entry and audited. Flagging
security tells the security contacts at once; triage as data-corrupting or work-stopping tells
the service's tech lead and the urgent contacts at once. Their outbox keys name the incident and
the cause, so flagging or triaging again sends nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.calendars.fields import invalid_from
from onwatch.directory.models import Service, Team
from onwatch.escalation.targets import Reached
from onwatch.incidents import notices, requirement
from onwatch.incidents.models import Incident, IncidentImpact
from onwatch.incidents.role_config import UrgentSpec, security_specs, urgent_specs
from onwatch.incidents.roles import locked_incident
from onwatch.incidents.timeline import note

Triage = Literal["noise", "annoying", "data_corrupting", "work_stopping"]
TRIAGES = ("noise", "annoying", "data_corrupting", "work_stopping")
URGENT = ("data_corrupting", "work_stopping")
LABELS = {
    "users_count": "users impacted",
    "users_share": "share of users (%)",
    "qa_severity": "QA severity",
    "remediation_effort": "effort to remediate",
    "next_release_at": "next natural release",
    "applications": "applications impacted",
    "business_impact": "business impact",
    "runbook_used": "a runbook was used",
    "other_team_acted": "another team had to act",
    "out_of_band_release": "an out-of-band release is needed",
    "triage": "triage",
}


class ImpactIn(BaseModel):
    """The fields to change; those left out keep their value, null clears one."""

    model_config = ConfigDict(extra="forbid")

    users_count: int | None = Field(None, ge=0, le=10**12, description="Users impacted.")
    users_share: float | None = Field(
        None, ge=0, le=100, description="Share of all users impacted, in percent."
    )
    qa_severity: str | None = Field(None, max_length=64, description="QA's severity level.")
    remediation_effort: str | None = Field(
        None, max_length=64, description="Engineering's effort to remediate: hours, S/M/L…"
    )
    next_release_at: datetime | None = Field(
        None, description="When the next natural release ships (time to it is shown)."
    )
    applications: list[str] | None = Field(
        None, max_length=50, description="Applications impacted, by name."
    )
    business_impact: str | None = Field(
        None, max_length=5000, description="The business impact, in plain words."
    )
    runbook_used: bool | None = None
    other_team_acted: bool | None = None
    out_of_band_release: bool | None = None
    triage: Triage | None = Field(
        None, description="noise, annoying, data_corrupting or work_stopping."
    )

    @field_validator("qa_severity", "remediation_effort", "business_impact")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("holds a NUL character or half a surrogate pair, which is no text")
        return value or None

    @field_validator("applications")
    @classmethod
    def _names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [v.strip() for v in value if v.strip()]
        for name in names:
            if len(name) > 200 or "\x00" in name:
                raise ValueError("each application is a name of at most 200 characters")
        return list(dict.fromkeys(names))

    @field_validator("next_release_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time zone, such as 2026-03-10T09:00:00Z")
        return value


def parse(values: dict[str, Any]) -> ImpactIn:
    """ImpactIn from raw values; Invalid naming each bad field."""
    try:
        return ImpactIn.model_validate(values)
    except ValidationError as error:
        raise invalid_from(error) from None


def get(session: Session, incident_id: int) -> IncidentImpact | None:
    return session.get(IncidentImpact, incident_id)


def values_of(row: IncidentImpact | None) -> dict[str, Any]:
    """Every field, as the API shows it (defaults when nothing was filled in)."""
    return {name: (getattr(row, name) if row is not None else _empty(name)) for name in LABELS}


def _empty(name: str) -> Any:
    if name == "applications":
        return []
    if name in ("runbook_used", "other_team_acted", "out_of_band_release"):
        return False
    return None


def set_impact(
    session: Session,
    incident_id: int,
    changes: ImpactIn,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[IncidentImpact, bool]:
    """Change the fields `changes` sets; (row, False) when nothing changed. Triage newly
    data-corrupting or work-stopping tells the tech lead and the urgent contacts."""
    incident = locked_incident(session, incident_id)
    row = session.get(IncidentImpact, incident_id)
    before = values_of(row)
    given = changes.model_dump(exclude_unset=True)
    for flag in ("runbook_used", "other_team_acted", "out_of_band_release"):
        if flag in given and given[flag] is None:
            given[flag] = False
    if "applications" in given and given["applications"] is None:
        given["applications"] = []
    changed = {k: v for k, v in given.items() if _comparable(before[k]) != _comparable(v)}
    if not changed:
        return row or IncidentImpact(incident_id=incident_id), False
    if row is None:
        row = IncidentImpact(incident_id=incident_id, applications=[])
        session.add(row)
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = now, actor
    session.flush()
    text = "Impact: " + "; ".join(_said(name, value) for name, value in changed.items())
    note(
        session,
        incident,
        kind="impact",
        text=text,
        actor=actor,
        now=now,
        source=source,
        data={"changed": _json(changed)},
    )
    _audit(
        session,
        incident,
        "impact",
        actor,
        now,
        _json({k: before[k] for k in changed}),
        _json(changed),
    )
    # Already urgent (data-corrupting, now work-stopping too): the same people know.
    if changed.get("triage") in URGENT and before["triage"] not in URGENT:
        tell_urgent(session, incident, str(changed["triage"]), now=now)
    requirement.evaluate(session, incident, actor=actor, now=now, source=source)
    return row, True


def set_security(
    session: Session,
    incident_id: int,
    flagged: bool,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> bool:
    """Flag (or unflag) the incident as involving security or personal data; False when it
    already was so. Flagging tells the security contacts at once, once per incident."""
    incident = locked_incident(session, incident_id)
    if incident.security == flagged:
        return False
    incident.security = flagged
    text = "Flagged: involves security or personal data" if flagged else "Security flag removed"
    note(
        session,
        incident,
        kind="security",
        text=text,
        actor=actor,
        now=now,
        source=source,
        data={"security": flagged},
    )
    _audit(
        session, incident, "security", actor, now, {"security": not flagged}, {"security": flagged}
    )
    if flagged:
        tell_security(session, incident, now=now)
    requirement.evaluate(session, incident, actor=actor, now=now, source=source)
    return True


def tell_security(session: Session, incident: Incident, *, now: datetime) -> list[Reached]:
    """Notify every security contact about the incident; whom it reached."""
    targets = [t for spec in security_specs(session) for t in spec.targets]
    words = notices.Words(
        title=f"Security: incident #{incident.id} involves security or personal data",
        text=f"Incident #{incident.id} ({incident.title}) was flagged as involving security "
        "or personal data. Follow the security incident procedure.",
    )
    return _tell(session, incident, targets, [], "security", words, "Security contacts", now)


def tell_urgent(
    session: Session, incident: Incident, triage: str, *, now: datetime
) -> list[Reached]:
    """Notify the service's tech lead and the urgent contacts that cover its service."""
    service = session.get(Service, incident.service_id)
    if service is None:
        return []
    lead = notices.tech_lead(session, service)
    targets = [
        t for spec in urgent_specs(session) if _covers(session, spec, service) for t in spec.targets
    ]
    what = "may corrupt data" if triage == "data_corrupting" else "stops users' work"
    words = notices.Words(
        title=f"Urgent: incident #{incident.id} {what}",
        text=f"Incident #{incident.id} on {service.display_name or service.name} "
        f"({incident.title}) was triaged {triage.replace('_', '-')}: it {what}. You are asked "
        "to look at it now.",
    )
    return _tell(
        session, incident, targets, [lead] if lead else [], "urgent", words,
        f"Triaged {triage.replace('_', '-')}", now,
    )  # fmt: skip


def _covers(session: Session, spec: UrgentSpec, service: Service) -> bool:
    if not spec.services and not spec.teams:
        return True
    if service.name in spec.services:
        return True
    if service.team_id is None or not spec.teams:
        return False
    team = session.scalar(select(Team.name).where(Team.id == service.team_id))
    return team in spec.teams


def _tell(
    session: Session,
    incident: Incident,
    targets: list[Any],
    first: list[Reached],
    cause: str,
    words: notices.Words,
    label: str,
    now: datetime,
) -> list[Reached]:
    reached, nobody = notices.resolve_targets(session, targets, now)
    seen = {(r.kind, r.id) for r in first}
    everyone = first + [r for r in reached if (r.kind, r.id) not in seen]
    notices.send(
        session, everyone, incident_id=incident.id, kind="notice", urgency="high",
        key=f"notice:{cause}:{incident.id}", words=words, now=now,
    )  # fmt: skip
    told = ", ".join(f"{r.name} ({r.via})" for r in everyone) or "nobody is configured"
    text = f"{label}: told {told}"
    if nobody:
        text += f"; not reached: {'; '.join(nobody)}"
    note(
        session,
        incident,
        kind=f"{cause}_notice",
        text=text,
        actor="engine:notices",
        now=now,
        source="system",
        data={"told": [{"kind": r.kind, "name": r.name, "via": r.via} for r in everyone]},
    )
    return everyone


def _said(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"{LABELS[name]}: {'yes' if value else 'no'}"
    if value is None or value == []:
        return f"{LABELS[name]} cleared"
    if isinstance(value, list):
        return f"{LABELS[name]}: {', '.join(value)}"
    if isinstance(value, datetime):
        return f"{LABELS[name]}: {value:%Y-%m-%d %H:%M %Z}"
    if name == "triage":
        return f"triage: {str(value).replace('_', '-')}"
    shown = str(value)
    return f"{LABELS[name]}: {shown if len(shown) <= 80 else shown[:79] + '…'}"


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, float):
        return round(value, 6)
    return value


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _audit(
    session: Session,
    incident: Incident,
    verb: str,
    actor: str,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    record(
        session, actor=actor, action=f"incident.{verb}", entity_type="incident",
        entity_key=str(incident.id), at=now, before=before, after=after,
    )  # fmt: skip
