"""Pages for services, teams and people: lists with a filter box and one page per name."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Forbidden, NotFound
from onwatch.directory import queries
from onwatch.notifications.trial import send_test_notification
from onwatch.web.pages.answering import Answering
from onwatch.web.pages.directory_view import Directory
from onwatch.web.pages.live import page_or_part
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (
    NavLink("Services", "/services", 50),
    NavLink("Teams", "/teams", 60),
    NavLink("People", "/people", 70),
)
MAX_QUERY = 200


def _directory(request: Request) -> Directory:
    with context(request).db.read() as session:
        return Directory.load(session)


def _listing(request: Request, kind: str, **values: Any) -> Response:
    """The whole page, or only its results table when htmx filters as the user types."""
    return page_or_part(
        request, f"directory/{kind}.html", f"directory/_{kind}_results.html", **values
    )


@router.get("/services", response_class=HTMLResponse)
def services(request: Request, q: str = "", _: Principal = Depends(viewer)) -> Response:
    """Every service with its health now: open incidents and who is on call for it."""
    ctx = context(request)
    with ctx.db.read() as session:
        answering = Answering.load(session, ctx.clock.now())
    d, q = answering.directory, q[:MAX_QUERY]
    return _listing(
        request,
        "services",
        d=d,
        rows=d.service_rows(q),
        health={name: answering.health(name) for name in d.services},
        q=q,
        total=len(d.services),
    )


@router.get("/services/{name}", response_class=HTMLResponse)
def service(name: str, request: Request, _: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    with ctx.db.read() as session:
        answer = queries.responsibility(session, name)
        answering = Answering.load(session, ctx.clock.now())
    d = answering.directory
    return page(
        request,
        "directory/service.html",
        d=d,
        r=answer,
        spec=d.services[name],
        health=answering.health(name),
    )


@router.get("/teams", response_class=HTMLResponse)
def teams(request: Request, q: str = "", _: Principal = Depends(viewer)) -> Response:
    d, q = _directory(request), q[:MAX_QUERY]
    return _listing(request, "teams", d=d, rows=d.team_rows(q), q=q, total=len(d.teams))


@router.get("/teams/{name}", response_class=HTMLResponse)
def team(name: str, request: Request, _: Principal = Depends(viewer)) -> Response:
    d = _directory(request)
    if name not in d.teams:
        raise NotFound(f"no team {name!r}")
    return page(
        request,
        "directory/team.html",
        d=d,
        team=d.teams[name],
        services=d.services_of_team(name),
    )


@router.get("/people", response_class=HTMLResponse)
def people(request: Request, q: str = "", _: Principal = Depends(viewer)) -> Response:
    d, q = _directory(request), q[:MAX_QUERY]
    return _listing(request, "people", d=d, rows=d.people_rows(q), q=q, total=len(d.people))


def may_test(who: Principal, handle: str) -> bool:
    """A person may send themselves a test notification; admins may send anyone one."""
    return who.person_handle == handle or has_role(who.role, Role.admin)


@router.get("/people/{handle}", response_class=HTMLResponse)
def person(
    handle: str, request: Request, sent: int | None = None, who: Principal = Depends(viewer)
) -> Response:
    d = _directory(request)
    if handle not in d.people:
        raise NotFound(f"no person {handle!r}")
    return page(
        request,
        "directory/person.html",
        d=d,
        view=d.person_view(d.people[handle]),
        can_test=may_test(who, handle),
        is_self=who.person_handle == handle,
        sent=sent,
    )


@router.post("/people/{handle}/test-notification")
def test_notification(
    handle: str, request: Request, method: str = Form(""), who: Principal = Depends(viewer)
) -> Response:
    """Queue a test message to each contact method of the person (or to one); the engine
    sends them. Yourself, or anyone as an admin."""
    if not may_test(who, handle):
        raise Forbidden("only the person themselves or an admin may send them a test notification")
    ctx = context(request)
    chosen: str | int | None = int(method) if method.isdigit() else (method or None)
    with ctx.db.transaction() as session:
        trial = send_test_notification(
            session, handle, method=chosen, actor=who.actor, now=ctx.clock.now()
        )
    ctx.engine_wakeup.set()
    return RedirectResponse(
        f"/people/{quote(handle)}?sent={len(trial.sent)}#notifications", status_code=303
    )
