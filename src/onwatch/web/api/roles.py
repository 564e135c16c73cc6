"""An incident's roles, requested responders, impact and security flag: viewers read them;
responders assign roles, ask people to join, edit the impact and flag security; a person answers
their own request to join. Each change is on the timeline (source api) and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.core.errors import Forbidden
from onwatch.directory.actors import person_of
from onwatch.directory.models import Person
from onwatch.incidents import impact, responders, roles
from onwatch.incidents.actions import get as get_incident
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["incident roles"])


class RoleOut(BaseModel):
    role: str
    display_name: str
    instructions: str
    person: str | None = Field(description="The holder's handle; null while unclaimed.")
    person_name: str | None
    backup: str | None
    backup_name: str | None
    assigned_at: datetime | None
    remind_after_seconds: int | None


class RolesOut(BaseModel):
    upstream: bool = Field(description="An upstream incident needs no commander.")
    roles: list[RoleOut]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(min_length=1, max_length=64, description="The holder's handle.")
    backup: str | None = Field(None, max_length=64, description="A backup's handle.")


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str | None = Field(None, max_length=64, description="Ask this person (handle)…")
    policy: str | None = Field(
        None, max_length=64, description="…or whoever this policy's first step reaches now."
    )
    message: str = Field("", max_length=responders.MAX_MESSAGE, description="Why, in a line.")


class ResponderOut(BaseModel):
    id: int
    person: str
    person_name: str
    policy: str | None
    message: str
    state: str = Field(description="requested, accepted or declined.")
    requested_by: str
    requested_at: datetime
    answered_at: datetime | None


class RespondersOut(BaseModel):
    items: list[ResponderOut]
    already: list[str] = Field(default_factory=list, description="Already asked, not again.")


class ImpactOut(impact.ImpactIn):
    model_config = ConfigDict(extra="forbid")

    security: bool = Field(False, description="Security or personal data involved.")
    updated_at: datetime | None = None
    updated_by: str | None = None


class SecurityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    security: bool


def roles_of(session: Session, incident_id: int) -> RolesOut:
    incident = get_incident(session, incident_id)
    held = roles.holders(session, incident_id)
    found = []
    for role in roles.definitions(session).values():
        row = held.get(role.name)
        person = session.get(Person, row.person_id) if row and row.person_id else None
        backup = session.get(Person, row.backup_person_id) if row and row.backup_person_id else None
        found.append(
            RoleOut(
                role=role.name,
                display_name=role.display_name,
                instructions=role.instructions,
                person=person.handle if person else None,
                person_name=person.name if person else None,
                backup=backup.handle if backup else None,
                backup_name=backup.name if backup else None,
                assigned_at=row.assigned_at if row and person else None,
                remind_after_seconds=int(role.remind_after.total_seconds())
                if role.remind_after
                else None,
            )
        )
    return RolesOut(upstream=incident.upstream, roles=found)


def responders_of(session: Session, incident_id: int) -> list[ResponderOut]:
    get_incident(session, incident_id)
    return [
        ResponderOut(
            id=r.id,
            person=p.handle,
            person_name=p.name,
            policy=r.policy,
            message=r.message,
            state=r.state,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            answered_at=r.answered_at,
        )
        for r, p in responders.requests_of(session, incident_id)
    ]


def impact_of(session: Session, incident_id: int) -> ImpactOut:
    incident = get_incident(session, incident_id)
    row = impact.get(session, incident_id)
    values: dict[str, Any] = impact.values_of(row)
    return ImpactOut(
        **values,
        security=incident.security,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


@router.get("/incidents/{incident_id}/roles")
def get_roles(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> RolesOut:
    """Every role (built-in and configured) with its holder and backup, if any."""
    with context(request).db.read() as session:
        return roles_of(session, incident_id)


@router.put("/incidents/{incident_id}/roles/{role}")
def assign_role(
    incident_id: Id,
    role: str,
    body: AssignIn,
    request: Request,
    who: Principal = Depends(responder),
) -> RolesOut:
    """Give a role to a person (a hand-over when someone held it), with an optional backup.
    422 naming `role`, `person` or `backup`."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        roles.assign(
            session, incident_id, role, body.person, backup=body.backup or None,
            actor=who.actor, now=ctx.clock.now(), source="api",
        )  # fmt: skip
        return roles_of(session, incident_id)


@router.get("/incidents/{incident_id}/responders")
def get_responders(
    incident_id: Id, request: Request, _: Principal = Depends(viewer)
) -> RespondersOut:
    """The people asked to join, with the state of each request."""
    with context(request).db.read() as session:
        return RespondersOut(items=responders_of(session, incident_id))


@router.post("/incidents/{incident_id}/responders", status_code=201)
def request_responders(
    incident_id: Id, body: RequestIn, request: Request, who: Principal = Depends(responder)
) -> RespondersOut:
    """Ask a person, or the people an escalation policy's first step reaches now, to join:
    each gets a notice with signed accept and decline links. 422 naming `person`, `policy` or
    `message`; 409 for a resolved incident."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        asked = responders.request(
            session, incident_id, person=body.person, policy=body.policy,
            message=body.message, actor=who.actor, now=ctx.clock.now(), source="api",
        )  # fmt: skip
        return RespondersOut(items=responders_of(session, incident_id), already=asked.already)


@router.post("/incidents/{incident_id}/responders/accept")
def accept(incident_id: Id, request: Request, who: Principal = Depends(viewer)) -> RespondersOut:
    """Accept your own request to join (your login must be linked to a directory person)."""
    return _answer(incident_id, request, who, True)


@router.post("/incidents/{incident_id}/responders/decline")
def decline(incident_id: Id, request: Request, who: Principal = Depends(viewer)) -> RespondersOut:
    """Decline your own request to join."""
    return _answer(incident_id, request, who, False)


def _answer(incident_id: int, request: Request, who: Principal, yes: bool) -> RespondersOut:
    ctx = context(request)
    with ctx.db.transaction() as session:
        person = person_of(session, who.actor)
        if person is None:
            raise Forbidden("only the person asked may answer: link your login to a person")
        responders.answer(
            session, incident_id, person.id, yes, actor=who.actor, now=ctx.clock.now(),
            source="api",
        )  # fmt: skip
        return RespondersOut(items=responders_of(session, incident_id))


@router.get("/incidents/{incident_id}/impact")
def get_impact(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> ImpactOut:
    """The incident's impact fields, triage and security flag."""
    with context(request).db.read() as session:
        return impact_of(session, incident_id)


@router.put("/incidents/{incident_id}/impact")
def put_impact(
    incident_id: Id, body: impact.ImpactIn, request: Request, who: Principal = Depends(responder)
) -> ImpactOut:
    """Change the impact fields given (those left out keep their value; null clears one). A
    triage of data_corrupting or work_stopping tells the service's tech lead and the urgent
    contacts at once. 422 naming the field."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        impact.set_impact(
            session, incident_id, body, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return impact_of(session, incident_id)


@router.put("/incidents/{incident_id}/security")
def put_security(
    incident_id: Id, body: SecurityIn, request: Request, who: Principal = Depends(responder)
) -> ImpactOut:
    """Flag the incident as involving security or personal data (or clear it): flagging tells
    the security contacts at once, once per incident."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        impact.set_security(
            session, incident_id, body.security, actor=who.actor, now=ctx.clock.now(),
            source="api",
        )  # fmt: skip
        return impact_of(session, incident_id)
