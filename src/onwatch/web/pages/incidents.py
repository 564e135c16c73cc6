"""Pages for incidents: the list (filter by service and state), and one incident: who answers
for it now and how to reach them, its runbooks, its timeline (refreshed every 15 s) and alerts;
for responders acknowledge, resolve, reopen, a note box and "silence this" (CSRF-guarded forms)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.alerts import responding
from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Conflict, Invalid
from onwatch.incidents import actions, queries
from onwatch.web.api.alerts import before_id
from onwatch.web.api.tickets import tickets_view
from onwatch.web.pages import upstream
from onwatch.web.pages.alerts import older_link, service_names
from onwatch.web.pages.incident_filters import STATES, ListFilters, team_names
from onwatch.web.pages.incident_view import IncidentView
from onwatch.web.pages.live import page_or_part
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.roles_view import war_room
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Incidents", "/incidents", 10),)
PAGE_SIZE = 50


@router.get("/incidents", response_class=HTMLResponse)
def incidents(
    request: Request,
    service: str = "",
    state: str = "open",
    team: str = "",
    severity: str = "",
    priority: str = "",
    q: str = "",
    since: str = "",
    until: str = "",
    cursor: str | None = Query(None),
    limit: int = Query(PAGE_SIZE, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> Response:
    f = ListFilters(state, service, team, severity, priority, q, since, until)
    with context(request).db.read() as session:
        services, teams = service_names(session), team_names(session)
        f.checked(services, teams)
        try:
            before = before_id(cursor)
        except Invalid:
            before = None
        found = queries.list_incidents(session, filters=f.query(), before=before, limit=limit)
        names = queries.severity_names(session)
    return page_or_part(
        request,
        "incidents/list.html",
        "incidents/_results.html",
        rows=found.items,
        services=services,
        teams=teams,
        states=STATES,
        severity_names=names,
        f=f,
        service=f.service,
        state=f.state,
        error=" ".join(f.notes) or None,
        first_page=cursor is None,
        older=older_link("/incidents", found.next_before, limit=limit, **f.params()),
    )


def _incident_page(
    request: Request,
    incident_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    note: str = "",
    template: str = "incidents/detail.html",
) -> Response:
    ctx = context(request)
    who = request.state.principal
    with ctx.db.read() as session:
        view = IncidentView.load(session, incident_id, ctx.clock.now())
        cards = war_room(session, incident_id, who)  # roles, impact, responders
        up = upstream.card(session, incident_id, ctx.settings, ctx.clock.now())
        tk = tickets_view(session, incident_id)  # incidents/_tickets.html
    return page(
        request,
        template,
        status=status,
        **view.values(),
        **cards,
        can_respond=who is not None and has_role(who.role, Role.responder),
        error=error,
        note=note,
        up=up,
        tk=tk,
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    return _incident_page(request, incident_id)


@router.get("/incidents/{incident_id}/live", response_class=HTMLResponse)
def incident_live(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    """The parts of the page that change (state, buttons, who answers, facts, timeline), as
    htmx out-of-band swaps: the page polls this, and the note box is never replaced."""
    return _incident_page(request, incident_id, template="incidents/_live.html")


def _act(
    request: Request, incident_id: int, act: Callable[..., object], anchor: str = ""
) -> Response:
    """Run one responder action in a transaction; a Conflict or Invalid shows on the page."""
    ctx = context(request)
    who: Principal = request.state.principal
    try:
        with ctx.db.transaction() as session:
            act(session, incident_id, actor=who.actor, now=ctx.clock.now(), source="ui")
    except Conflict as error:
        return _incident_page(request, incident_id, status=409, error=error.message)
    return RedirectResponse(f"/incidents/{incident_id}{anchor}", status_code=303)


@router.post("/incidents/{incident_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(incident_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    return _act(request, incident_id, responding.acknowledge_incident)


@router.post("/incidents/{incident_id}/resolve", response_class=HTMLResponse)
def resolve(incident_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    return _act(request, incident_id, responding.resolve_incident)


@router.post("/incidents/{incident_id}/reopen", response_class=HTMLResponse)
def reopen(incident_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    return _act(request, incident_id, actions.reopen)


@router.post("/incidents/{incident_id}/notes", response_class=HTMLResponse)
def add_note(
    incident_id: Id,
    request: Request,
    text: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            entry = actions.add_note(
                session, incident_id, text, actor=who.actor, now=ctx.clock.now(), source="ui"
            )
    except Invalid as error:
        # The typed text comes back in the box, with what is wrong with it.
        return _incident_page(request, incident_id, status=422, error=error.message, note=text)
    return RedirectResponse(f"/incidents/{incident_id}#entry-{entry.id}", status_code=303)
