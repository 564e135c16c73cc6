"""An incident's external tickets: the issues opened for it in its team's tracker, for
viewers; opening one by hand (when its team has a tracker and it has none yet), for
responders. The tracker is called by the engine, through the outbox, never by the request."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.incidents import actions as incidents
from onwatch.tickets import queries
from onwatch.tickets.incidents import SUBJECT, IncidentTickets, tracker_of
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["tickets"])


class TicketOut(BaseModel):
    id: int
    repository: str
    state: str
    number: int | None
    url: str | None
    created_at: datetime
    created_by: str
    opened_at: datetime | None
    attempts: int
    error: str | None
    retry_at: datetime | None


class TicketsOut(BaseModel):
    incident_id: int
    tracker: str | None  # the repository of the incident's team's tracker, if it has one
    tickets: list[TicketOut]


def tickets_view(session: Session, incident_id: int) -> TicketsOut:
    incident = incidents.get(session, incident_id)
    tracker = tracker_of(session, incident)
    return TicketsOut(
        incident_id=incident.id,
        tracker=tracker.repository if tracker else None,
        tickets=[TicketOut(**vars(t)) for t in queries.tickets_of(session, SUBJECT, incident.id)],
    )


@router.get("/incidents/{incident_id}/tickets")
def get_tickets(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> TicketsOut:
    """The incident's tickets: state (opening, open, failed), number and link once open, and
    while opening, the attempts and the last error."""
    with context(request).db.read() as session:
        return tickets_view(session, incident_id)


@router.post("/incidents/{incident_id}/tickets", status_code=202)
def open_ticket(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> TicketsOut:
    """Open a ticket for the incident in its team's tracker (whatever its severity); the engine
    makes the call. 404 for an unknown incident; 409 when its team has no tracker or the
    incident has a ticket already."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        IncidentTickets(ctx.settings.resolved_base_url()).open(
            session, incident_id, actor=who.actor, now=ctx.clock.now()
        )
        view = tickets_view(session, incident_id)
    ctx.engine_wakeup.set()  # after the commit: the engine sends what is now stored
    return view
