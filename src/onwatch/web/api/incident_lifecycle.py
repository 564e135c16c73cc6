"""The incident lifecycle over the API, for responders: mitigate, close, waive a required
post-mortem with a reason, merge into another incident, and change severity, priority, title or
summary. A move the lifecycle does not allow
is a 409 saying what is allowed; a bad value a 422 naming its field; nothing changes on either."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.alerts import merging, responding
from onwatch.auth.roles import Principal
from onwatch.core.errors import Invalid
from onwatch.incidents import queries, transitions
from onwatch.incidents.models import PRIORITIES, SEVERITIES
from onwatch.web.api.incidents import IncidentChange, IncidentOut
from onwatch.web.params import MAX_ID, Id
from onwatch.web.security import context, responder

router = APIRouter(prefix="/api/v1", tags=["incidents"])


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: int = Field(ge=1, le=MAX_ID, description="The incident this one is a duplicate of.")


class WaiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        max_length=10_000, description="Why no post-mortem is written; kept on the timeline."
    )


class MergeOut(BaseModel):
    duplicate: IncidentOut
    into: IncidentOut
    alerts_moved: int


class IncidentPatch(BaseModel):
    """Only the fields given change; `priority` or `summary` null clears it."""

    model_config = ConfigDict(extra="forbid")

    severity: str | None = Field(None, description=f"One of {', '.join(SEVERITIES)}.")
    priority: str | None = Field(None, description=f"One of {', '.join(PRIORITIES)}, or null.")
    title: str | None = Field(None, max_length=transitions.MAX_TITLE)
    summary: str | None = Field(None, description="The short account for stakeholders.")


class PatchOut(BaseModel):
    incident: IncidentOut
    changed: list[str]


def _out(session: Session, incident_id: int) -> IncidentOut:
    return IncidentOut.of(
        queries.get_incident(session, incident_id), queries.severity_names(session)
    )


@router.post("/incidents/{incident_id}/mitigate")
def mitigate(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> IncidentChange:
    """The impact has ended: nobody is paged for it any more. 409 if it is resolved or closed."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, changed = responding.mitigate_incident(
            session, incident_id, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return IncidentChange(incident=_out(session, incident_id), changed=changed)


@router.post("/incidents/{incident_id}/close")
def close(incident_id: Id, request: Request, who: Principal = Depends(responder)) -> IncidentChange:
    """Close a resolved incident. 409 if it is not resolved, or while a required post-mortem is
    neither published nor waived."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, changed = transitions.close(
            session, incident_id, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return IncidentChange(incident=_out(session, incident_id), changed=changed)


@router.post("/incidents/{incident_id}/postmortem/waive")
def waive(
    incident_id: Id, body: WaiveIn, request: Request, who: Principal = Depends(responder)
) -> IncidentChange:
    """Waive the required post-mortem, saying why; a resolved incident then closes. 422 when
    the reason is blank; 409 when no post-mortem is required or it is published."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, changed = transitions.waive(
            session, incident_id, body.reason, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return IncidentChange(incident=_out(session, incident_id), changed=changed)


@router.post("/incidents/{incident_id}/merge")
def merge(
    incident_id: Id, body: MergeIn, request: Request, who: Principal = Depends(responder)
) -> MergeOut:
    """Mark this incident a duplicate of `into`: it is resolved and its open alerts move there.
    422 for itself; 409 for a closed incident, a duplicate, or a cycle; 404 for an unknown one."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, _, moved = merging.merge_incidents(
            session, incident_id, body.into, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return MergeOut(
            duplicate=_out(session, incident_id), into=_out(session, body.into), alerts_moved=moved
        )


@router.patch("/incidents/{incident_id}")
def patch(
    incident_id: Id, body: IncidentPatch, request: Request, who: Principal = Depends(responder)
) -> PatchOut:
    """Change severity, priority, title or summary; each change is a timeline entry."""
    given = body.model_dump(exclude_unset=True)
    if given.get("severity", "") is None:
        raise Invalid(f"must be one of {', '.join(SEVERITIES)}", "severity")
    if given.get("title", "") is None:
        raise Invalid("cannot be empty", "title")
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, changed = transitions.change(
            session, incident_id, given, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return PatchOut(incident=_out(session, incident_id), changed=changed)
