"""The incident page's lifecycle forms, for responders (CSRF-guarded): mitigate, close, waive a
required post-mortem with a reason, change severity and priority, and mark the incident a
duplicate of another. A refused move shows its
sentence on the page (409), a bad value what is wrong with it (422); nothing changes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.alerts import merging, responding
from onwatch.auth.roles import Principal
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.incidents import transitions
from onwatch.web.pages.incidents import _act, _incident_page
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute
from onwatch.web.params import Id
from onwatch.web.security import context, responder

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()


@router.post("/incidents/{incident_id}/mitigate", response_class=HTMLResponse)
def mitigate(incident_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    return _act(request, incident_id, responding.mitigate_incident)


@router.post("/incidents/{incident_id}/close", response_class=HTMLResponse)
def close(incident_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    return _act(request, incident_id, transitions.close)


@router.post("/incidents/{incident_id}/postmortem/waive", response_class=HTMLResponse)
def waive(
    incident_id: Id,
    request: Request,
    reason: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            transitions.waive(
                session, incident_id, reason, actor=who.actor, now=ctx.clock.now(), source="ui"
            )
    except Invalid as error:
        return _incident_page(request, incident_id, status=422, error=error.message)
    except Conflict as error:
        return _incident_page(request, incident_id, status=409, error=error.message)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/change", response_class=HTMLResponse)
def change(
    incident_id: Id,
    request: Request,
    severity: str = Form(""),
    priority: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            transitions.change(
                session,
                incident_id,
                {"severity": severity, "priority": priority or None},
                actor=who.actor,
                now=ctx.clock.now(),
                source="ui",
            )
    except Invalid as error:
        return _incident_page(request, incident_id, status=422, error=error.message)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/merge", response_class=HTMLResponse)
def merge(
    incident_id: Id,
    request: Request,
    into: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    target = into.strip().lstrip("#")
    if not target.isdigit() or not 0 < int(target) < 2**31:
        error = "into: give the number of the incident this one duplicates"
        return _incident_page(request, incident_id, status=422, error=error)
    try:
        with ctx.db.transaction() as session:
            merging.merge_incidents(
                session, incident_id, int(target), actor=who.actor, now=ctx.clock.now(), source="ui"
            )
    except Invalid as error:
        return _incident_page(request, incident_id, status=422, error=error.message)
    except Conflict as error:
        return _incident_page(request, incident_id, status=409, error=error.message)
    except NotFound as error:
        if int(target) == incident_id:
            raise
        return _incident_page(request, incident_id, status=422, error=f"into: {error.message}")
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)
