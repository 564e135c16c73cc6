"""Who is asking (bearer token or login cookie), what role they need, and CSRF for cookies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from onwatch.auth import actions as auth
from onwatch.auth import logins
from onwatch.auth.roles import Principal, Role, has_role
from onwatch.auth.throttle import address_key
from onwatch.core.errors import Forbidden, RateLimited, Unauthorized
from onwatch.core.tokens import derive, same
from onwatch.web.context import AppContext

SESSION_COOKIE = "onwatch_session"
LOGIN_CSRF_COOKIE = "onwatch_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def context(request: Request) -> AppContext:
    return request.app.state.ctx


def csrf_token_for(cookie: str) -> str:
    """Bound to the session cookie, which a cross-site page can send but never read."""
    return derive(cookie, "csrf")


def client_address(request: Request) -> str:
    """The key failed logins and unknown tokens are counted under: the peer's address as
    uvicorn gives it (which is X-Forwarded-For's only when the peer is a proxy listed in
    FORWARDED_ALLOW_IPS, by default 127.0.0.1), an IPv6 address by its /64."""
    return address_key(request.client.host if request.client else None)


def principal(request: Request) -> Principal | None:
    """The caller, or None for an anonymous request. Cached for the request. A bearer token
    from an address that sent too many wrong ones is refused (429) before it is looked up."""
    if hasattr(request.state, "principal"):
        if getattr(request.state, "refused", None) is not None:
            raise request.state.refused
        return request.state.principal
    ctx = context(request)
    found: Principal | None = None
    header = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        if header:
            found = _bearer(ctx, header, client_address(request))
        elif cookie:
            with ctx.db.read() as session:
                found = auth.principal_for_session(session, cookie, ctx.clock.now())
            request.state.session_cookie = cookie
    except (Unauthorized, RateLimited) as refused:
        if header:
            request.state.principal, request.state.refused = None, refused
            raise
        found = None
    request.state.principal = found
    return found


def _bearer(ctx: AppContext, header: str, address: str) -> Principal:
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized()
    now = ctx.clock.now()
    try:
        with ctx.db.read() as session:
            return logins.principal_for_bearer(session, secret.strip(), address, now)
    except auth.UnknownToken:
        with ctx.db.transaction() as session:
            logins.fail_token(session, address, now)
        raise


async def check_csrf(request: Request) -> None:
    cookie = getattr(request.state, "session_cookie", None)
    if cookie is None or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(CSRF_FIELD)
    if not isinstance(sent, str) or not same(sent, csrf_token_for(cookie)):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits callers holding `role` (or a higher one)."""

    async def dependency(request: Request) -> Principal:
        # In a worker thread: it reads the database, and counting an unknown token writes.
        who = await run_in_threadpool(principal, request)
        if who is None:
            raise Unauthorized()
        if not has_role(who.role, role):
            raise Forbidden(f"this needs the {role.value} role")
        await check_csrf(request)
        return who

    dependency.__name__ = f"require_{role.value}"
    return dependency


viewer = require(Role.viewer)
responder = require(Role.responder)
admin = require(Role.admin)
