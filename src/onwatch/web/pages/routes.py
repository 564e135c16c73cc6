"""Login, logout and the directory pages."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth import actions as auth
from onwatch.core.errors import Unauthorized
from onwatch.core.tokens import same
from onwatch.directory import queries
from onwatch.web.pages.render import page, to_login
from onwatch.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    context,
    principal,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", login_csrf=token, next=_safe_next(next), error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=context(request).settings.secure_cookies,
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    ctx = context(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same(expected, csrf_token):
        return page(
            request,
            "login.html",
            status=403,
            login_csrf=expected,
            next=next,
            error="Your login form expired. Please try again.",
        )
    now = ctx.clock.now()
    try:
        with ctx.db.transaction() as session:
            user = auth.authenticate(session, username.strip(), password)
            started = auth.start_session(
                session, user, now, timedelta(hours=ctx.settings.session_hours)
            )
    except Unauthorized:
        return page(
            request,
            "login.html",
            status=401,
            login_csrf=expected,
            next=next,
            error="Wrong username or password.",
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.cookie,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        max_age=ctx.settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    ctx = context(request)
    if principal(request) is not None:
        await check_csrf(request)
        with ctx.db.transaction() as session:
            auth.end_session(session, request.state.session_cookie, ctx.clock.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    if principal(request) is None:
        return to_login(request)
    with context(request).db.read() as session:
        counts = {
            "services": len(queries.list_services(session)),
            "teams": len(queries.list_teams(session)),
            "people": len(queries.list_people(session)),
        }
    return page(request, "home.html", counts=counts)


@router.get("/services", response_class=HTMLResponse)
def services(request: Request) -> Response:
    if principal(request) is None:
        return to_login(request)
    with context(request).db.read() as session:
        rows = [queries.responsibility(session, s.name) for s in queries.list_services(session)]
    return page(request, "services.html", services=rows)


@router.get("/teams", response_class=HTMLResponse)
def teams(request: Request) -> Response:
    if principal(request) is None:
        return to_login(request)
    with context(request).db.read() as session:
        handle_of = queries.handles(session)
        rows = [queries.team_spec(t, handle_of) for t in queries.list_teams(session)]
    return page(request, "teams.html", teams=rows)


@router.get("/people", response_class=HTMLResponse)
def people(request: Request) -> Response:
    if principal(request) is None:
        return to_login(request)
    with context(request).db.read() as session:
        rows = [queries.person_spec(p) for p in queries.list_people(session)]
    return page(request, "people.html", people=rows)
