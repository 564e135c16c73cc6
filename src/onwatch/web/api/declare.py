"""Declaring an incident over the API: `POST /api/v1/incidents`, responders only, with an
optional `Idempotency-Key` header (201 for a new incident, 200 for a replay of the same key and
body, 422 naming the header for the same key with another body)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from onwatch.auth.roles import Principal
from onwatch.incidents import declaring, queries
from onwatch.web.api.incidents import IncidentOut
from onwatch.web.security import context, responder

router = APIRouter(prefix="/api/v1", tags=["incidents"])


class DeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(description="The service it is about; its on-call is paged.")
    title: str = Field(description=f"What is wrong, in a line (at most {declaring.MAX_TITLE}).")
    severity: str = Field(declaring.DEFAULT_SEVERITY, description="sev1 (worst) to sev4.")
    priority: str | None = Field(None, description="p1 (first) to p5; none by default.")
    summary: str | None = Field(
        None, description=f"A short account for stakeholders (at most {declaring.MAX_SUMMARY})."
    )


class Declared(IncidentOut):
    priority: str | None
    summary: str | None


@router.post(
    "/incidents",
    status_code=201,
    responses={200: {"model": Declared, "description": "A replay of the same key and body."}},
)
def declare_incident(
    body: DeclareIn,
    request: Request,
    response: Response,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="A key of the client's (a UUID): the same key and body declare once and "
        "later answer 200 with the same incident; the same key with another body is a 422.",
    ),
    who: Principal = Depends(responder),
) -> Declared:
    """Declare an incident by hand: it opens triggered and pages the service's on-call through
    its escalation policy. 422 names each field at fault, and nothing is stored."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        done = declaring.declare(
            session,
            service=body.service,
            title=body.title,
            severity=body.severity,
            priority=body.priority,
            summary=body.summary,
            actor=who.actor,
            source="api",
            now=ctx.clock.now(),
            key=idempotency_key,
        )
        row = queries.get_incident(session, done.incident.id)
        fields = IncidentOut.of(row).model_dump()
        fields.update(priority=row.incident.priority, summary=row.incident.summary)
        out = Declared(**fields)
    response.headers["Location"] = f"/api/v1/incidents/{out.id}"
    if not done.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return out
