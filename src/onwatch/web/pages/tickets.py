"""External tickets in the UI: the Tickets card of the incident page (loaded by `card`) with
each issue's link and state, and the "Open a ticket" button for responders when the team has a
tracker and the incident no ticket yet (a CSRF-guarded form; the engine makes the call)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal
from onwatch.core.errors import Conflict
from onwatch.tickets.incidents import IncidentTickets
from onwatch.web.pages.incidents import _incident_page
from onwatch.web.pages.render import PageRoute
from onwatch.web.params import Id
from onwatch.web.security import context, responder

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = ()


@router.post("/incidents/{incident_id}/tickets", response_class=HTMLResponse)
def open_ticket(incident_id: Id, request: Request, who: Principal = Depends(responder)) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            IncidentTickets(ctx.settings.resolved_base_url()).open(
                session, incident_id, actor=who.actor, now=ctx.clock.now()
            )
    except Conflict as error:
        return _incident_page(request, incident_id, status=409, error=error.message)
    ctx.engine_wakeup.set()
    return RedirectResponse(f"/incidents/{incident_id}#tickets", status_code=303)
