"""The error issues pages: the list (filters by service and status, sorted by last seen, events
or users) and an issue's page (why its events were grouped, counts, the latest sample's stack
trace, samples) with resolve, silence and triage forms for responders (CSRF)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import FieldError, Invalid
from onwatch.directory.queries import get_service
from onwatch.errors import actions, queries, triage
from onwatch.errors.models import IMPACTS
from onwatch.web.api.errors import ingestion_view, issue_detail, issue_view, release_views
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.silences import utc_instant
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Errors", "/errors", 25),)


@router.get("/errors", response_class=HTMLResponse)
def issues_page(
    request: Request,
    service: str = Query(""),
    status: Literal["", "unresolved", "resolved", "silenced"] = Query("unresolved"),
    sort: Literal["last_seen", "events", "users"] = Query("last_seen"),
    _: Principal = Depends(viewer),
) -> Response:
    with context(request).db.read() as session:
        service_id = get_service(session, service).id if service else None
        found = queries.issues(
            session, service_id=service_id, status=status or None, sort=sort, limit=200
        )
        rows = [issue_view(issue, name) for issue, name in found]
        # With a service chosen: what its SDKs sent, processed or not (nothing dropped unsaid).
        received = (
            [ingestion_view(row) for row in queries.ingestion_of(session, service_id)]
            if service_id is not None
            else []
        )
        health = release_views(session, service, limit=50) if service_id is not None else []
    filters = {"service": service, "status": status, "sort": sort}
    return page(
        request,
        "errors/list.html",
        rows=rows,
        filters=filters,
        received=received,
        releases=health,
    )


def _issue_page(
    request: Request, issue_id: int, status: int = 200, errors: list[FieldError] | None = None
) -> Response:
    ctx = context(request)
    with ctx.db.read() as session:
        detail = issue_detail(session, issue_id, ctx.clock.now())
    who = request.state.principal
    frames = detail["samples"][0]["stacktrace"] if detail["samples"] else []
    return page(
        request,
        "errors/issue.html",
        status=status,
        issue=detail,
        # In-app frames first, then the rest, each innermost first.
        frames=[f for f in frames if f["in_app"]] + [f for f in frames if not f["in_app"]],
        can_change=has_role(who.role, Role.responder),
        impacts=IMPACTS,
        errors=[str(e) for e in errors or []],
    )


@router.get("/errors/{issue_id}", response_class=HTMLResponse)
def issue_page(issue_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    return _issue_page(request, issue_id)


@router.post("/errors/{issue_id}/resolve", response_class=HTMLResponse)
def resolve(
    issue_id: Id,
    request: Request,
    mode: str = Form("now"),
    release: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            actions.resolve(
                session,
                issue_id,
                mode=mode,
                release=release.strip() or None,
                actor=who.actor,
                now=ctx.clock.now(),
            )
    except Invalid as error:
        return _issue_page(request, issue_id, 422, error.errors)
    return RedirectResponse(f"/errors/{issue_id}", status_code=303)


@router.post("/errors/{issue_id}/silence", response_class=HTMLResponse)
def silence(
    issue_id: Id,
    request: Request,
    until: str = Form(""),
    events: str = Form(""),
    users: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        counts = {
            name: _count(value, name) for name, value in (("events", events), ("users", users))
        }
        with ctx.db.transaction() as session:
            actions.silence(
                session,
                issue_id,
                until=utc_instant(until, "until"),
                actor=who.actor,
                now=ctx.clock.now(),
                **counts,
            )
    except Invalid as error:
        return _issue_page(request, issue_id, 422, error.errors)
    return RedirectResponse(f"/errors/{issue_id}", status_code=303)


@router.post("/errors/{issue_id}/triage", response_class=HTMLResponse)
def triage_issue(
    issue_id: Id,
    request: Request,
    impact: str = Form(""),
    fix_in_code: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            triage.triage(
                session, issue_id, impact, fix_in_code=bool(fix_in_code), actor=who.actor,
                now=ctx.clock.now(),
            )  # fmt: skip
    except Invalid as error:
        return _issue_page(request, issue_id, 422, error.errors)
    return RedirectResponse(f"/errors/{issue_id}", status_code=303)


@router.post("/errors/{issue_id}/reopen")
def reopen(issue_id: Id, request: Request, who: Principal = Depends(responder)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.reopen(session, issue_id, actor=who.actor, now=ctx.clock.now())
    return RedirectResponse(f"/errors/{issue_id}", status_code=303)


def _count(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise Invalid("a whole number, or leave it empty", field)
    return int(value.strip())
