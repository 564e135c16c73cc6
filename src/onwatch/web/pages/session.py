"""Logging in and out. The login form is guarded by a double-submit cookie (there is no session
yet to bind a CSRF token to); logout by the session's own CSRF token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth import actions as auth
from onwatch.auth.roles import Principal
from onwatch.core.errors import Unauthorized
from onwatch.core.tokens import same
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page, safe_next
from onwatch.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, context, principal, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()


def _login_page(
    request: Request, *, status: int, target: str, error: str | None, username: str = ""
) -> Response:
    """The form with a fresh double-submit token, so a failed attempt can simply be retried."""
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "session/login.html",
        status=status,
        login_csrf=token,
        next=target,
        error=error,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=context(request).settings.secure_cookies,
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    target = safe_next(next)
    if principal(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, status=200, target=target, error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    ctx = context(request)
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same(expected, csrf_token):
        return _login_page(
            request,
            status=403,
            target=target,
            error="This login form had expired. Please enter your password again.",
            username=username.strip(),
        )
    try:
        with ctx.db.transaction() as session:
            user = auth.authenticate(session, username.strip(), password)
            started = auth.start_session(
                session, user, ctx.clock.now(), timedelta(hours=ctx.settings.session_hours)
            )
    except Unauthorized:
        return _login_page(
            request,
            status=401,
            target=target,
            error="Wrong username or password.",
            username=username.strip(),
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.cookie,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        max_age=ctx.settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, _: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    cookie = getattr(request.state, "session_cookie", None)
    if cookie is not None:
        with ctx.db.transaction() as session:
            auth.end_session(session, cookie, ctx.clock.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
