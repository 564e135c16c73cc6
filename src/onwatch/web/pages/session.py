"""Logging in and out. The login form is guarded by a double-submit cookie (there is no session
yet to bind a CSRF token to); logout by the session's own CSRF token."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth import actions as auth
from onwatch.auth import logins
from onwatch.auth.logins import Throttled
from onwatch.auth.roles import Principal
from onwatch.auth.throttle import retry_after_seconds
from onwatch.core.errors import Unauthorized
from onwatch.core.tokens import same
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page, safe_next
from onwatch.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    context,
    principal,
    viewer,
)

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
    name, now = username.strip(), ctx.clock.now()
    try:
        # The password is checked between a read and a short write, never inside a write
        # transaction: argon2 takes tens of milliseconds, and on SQLite every writer (intake
        # too) would wait for it.
        with ctx.db.read() as session:
            attempt = logins.begin_login(session, name, client_address(request), now)
        right = logins.is_right_password(attempt, password)
        with ctx.db.transaction() as session:
            if not right:
                logins.fail_login(session, attempt, now)
            else:
                started = logins.finish_login(
                    session, attempt, now, timedelta(hours=ctx.settings.session_hours)
                )
        if not right:
            raise Unauthorized()
    except Throttled as throttled:
        response = _login_page(
            request, status=429, target=target, error=_wait(throttled.until, now), username=name
        )
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    except Unauthorized:
        return _login_page(
            request, status=401, target=target, error="Wrong username or password.", username=name
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


def _wait(until: datetime, now: datetime) -> str:
    seconds = retry_after_seconds(until, now)
    wait = f"{seconds} seconds" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
    return (
        "Too many failed logins for this account or from this address. "
        f"Try again in {wait} (after {until:%H:%M:%S} UTC)."
    )


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
