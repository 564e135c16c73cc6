"""The error issues pages: the list (filters by service and status, sorted by last seen, events,
users or impact) and an issue's page (why its events were grouped, counts, charts of events over
time, a browser of its samples with their stack traces) with resolve, silence, triage, merge and
ticket forms for responders (CSRF)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Conflict, FieldError, Invalid, NotFound
from onwatch.directory.queries import get_service
from onwatch.errors import actions, chart, merging, queries, triage
from onwatch.errors.models import IMPACTS
from onwatch.errors.tickets import ErrorTickets
from onwatch.web.api.error_setup import ingestion_view, release_views
from onwatch.web.api.errors import issue_detail, issue_view
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.silences import utc_instant
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Errors", "/errors", 25),)
MERGEABLE = 30  # issues of the service offered to merge into the one shown


@router.get("/errors", response_class=HTMLResponse)
def issues_page(
    request: Request,
    service: str = Query(""),
    status: Literal["", "unresolved", "resolved", "silenced"] = Query("unresolved"),
    sort: Literal["last_seen", "events", "users", "impact"] = Query("last_seen"),
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
    request: Request,
    issue_id: int,
    status: int = 200,
    errors: list[FieldError] | None = None,
    event: str = "",
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        detail = issue_detail(session, issue_id, now)
        # Merge candidates: the service's other issues, most recently seen first.
        others = [
            issue_view(other, name)
            for other, name in queries.issues(
                session, service_id=queries.issue(session, issue_id).service_id, limit=MERGEABLE
            )
            if other.id != issue_id
        ]
    samples = detail["samples"]
    index = next((n for n, s in enumerate(samples) if s["event_id"] == event), 0)
    shown = samples[index] if samples else None
    frames = shown["stacktrace"] if shown else []
    return page(
        request,
        "errors/issue.html",
        status=status,
        issue=detail,
        sample=shown,
        newer=samples[index - 1]["event_id"] if index > 0 else None,
        older=samples[index + 1]["event_id"] if index + 1 < len(samples) else None,
        position=index + 1,
        # In-app frames first, then the rest, each innermost first.
        frames=[f for f in frames if f["in_app"]] + [f for f in frames if not f["in_app"]],
        charts=chart.charts(((h["hour_at"], h["events"]) for h in detail["hours"]), now),
        others=others,
        can_change=has_role(request.state.principal.role, Role.responder),
        impacts=IMPACTS,
        errors=[str(e) for e in errors or []],
    )


@router.get("/errors/{issue_id}", response_class=HTMLResponse)
def issue_page(
    issue_id: Id,
    request: Request,
    event: str = Query("", max_length=64, description="The sample shown: its event_id."),
    _: Principal = Depends(viewer),
) -> Response:
    try:
        return _issue_page(request, issue_id, event=event)
    except NotFound:
        with context(request).db.read() as session:
            into = merging.merged_into(session, issue_id)
        if into is None:
            raise
        return RedirectResponse(f"/errors/{into}", status_code=303)  # merged into another


@router.post("/errors/{issue_id}/merge", response_class=HTMLResponse)
def merge(
    issue_id: Id,
    request: Request,
    issues: list[str] = Form([]),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        if not all(n.strip().isdigit() for n in issues):
            raise Invalid("issue ids are whole numbers", "issues")
        with ctx.db.transaction() as session:
            merging.merge(
                session, issue_id, [int(n) for n in issues], actor=who.actor,
                keep_samples=ctx.settings.errors_samples, now=ctx.clock.now(),
            )  # fmt: skip
    except Invalid as error:
        return _issue_page(request, issue_id, 422, error.errors)
    return RedirectResponse(f"/errors/{issue_id}", status_code=303)


@router.post("/errors/{issue_id}/ticket", response_class=HTMLResponse)
def ticket(issue_id: Id, request: Request, who: Principal = Depends(responder)) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            ErrorTickets(ctx.settings.resolved_base_url()).open_now(
                session, issue_id, actor=who.actor, now=ctx.clock.now()
            )
    except Conflict as error:
        return _issue_page(request, issue_id, 409, [FieldError("ticket", str(error))])
    ctx.engine_wakeup.set()  # after the commit: the engine sends what is now stored
    return RedirectResponse(f"/errors/{issue_id}", status_code=303)


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
    silence: str = Form(""),
    silence_until: str = Form(""),
    silence_events: str = Form(""),
    silence_users: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        quiet = None
        if silence:  # noise's other response, with the silence's options
            quiet = triage.Silence(
                until=utc_instant(silence_until, "silence_until"),
                events=_count(silence_events, "silence_events"),
                users=_count(silence_users, "silence_users"),
            )
        with ctx.db.transaction() as session:
            triage.triage(
                session, issue_id, impact, fix_in_code=bool(fix_in_code), silence=quiet,
                actor=who.actor, now=ctx.clock.now(),
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
