"""Pages for incidents: the list (filter by service and state), and one incident with its
alerts, its timeline and, for responders, acknowledge and resolve buttons (CSRF-guarded forms)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.alerts import queries as alert_queries
from onwatch.alerts import responding
from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Conflict, Invalid
from onwatch.incidents import queries
from onwatch.web.api.alerts import before_id
from onwatch.web.pages.alerts import older_link, service_names
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Incidents", "/incidents", 10),)
PAGE_SIZE = 50
STATES = ("open", "triggered", "acknowledged", "resolved", "all")


@router.get("/incidents", response_class=HTMLResponse)
def incidents(
    request: Request,
    service: str = "",
    state: str = "open",
    cursor: str | None = Query(None),
    limit: int = Query(PAGE_SIZE, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> Response:
    if state not in STATES:
        state = "open"
    error = None
    with context(request).db.read() as session:
        services = service_names(session)
        if service and service not in services:
            error, service = f"There is no service “{service}”; showing every service.", ""
        try:
            before = before_id(cursor)
        except Invalid:
            before = None
        found = queries.list_incidents(
            session,
            service=service or None,
            status=None if state == "all" else state,
            before=before,
            limit=limit,
        )
    return page(
        request,
        "incidents/list.html",
        rows=found.items,
        services=services,
        states=STATES,
        service=service,
        state=state,
        error=error,
        first_page=cursor is None,
        older=older_link(
            "/incidents", found.next_before, service=service, state=state, limit=limit
        ),
    )


def _incident_page(
    request: Request, incident_id: int, *, status: int = 200, error: str | None = None
) -> Response:
    with context(request).db.read() as session:
        row = queries.get_incident(session, incident_id)
        entries, total = queries.timeline(session, incident_id)
        alerts = alert_queries.incident_alerts(session, incident_id)
    who = request.state.principal
    return page(
        request,
        "incidents/detail.html",
        status=status,
        row=row,
        i=row.incident,
        alerts=alerts,
        timeline=entries,
        timeline_total=total,
        can_respond=who is not None and has_role(who.role, Role.responder),
        error=error,
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    return _incident_page(request, incident_id)


@router.post("/incidents/{incident_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(incident_id: Id, request: Request, who: Principal = Depends(responder)) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            responding.acknowledge_incident(
                session, incident_id, actor=who.actor, now=ctx.clock.now()
            )
    except Conflict as error:
        return _incident_page(request, incident_id, status=409, error=error.message)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/resolve", response_class=HTMLResponse)
def resolve(incident_id: Id, request: Request, who: Principal = Depends(responder)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        responding.resolve_incident(session, incident_id, actor=who.actor, now=ctx.clock.now())
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)
