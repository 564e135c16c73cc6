"""Rendering a page: what every page gets (who, CSRF token, nav), and the route class that turns
domain errors into pages (a login redirect, a friendly 403 or 404) instead of JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from onwatch.web.errors import status_of
from onwatch.web.security import csrf_token_for, principal


def templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def when(instant: datetime | None) -> str:
    """An instant as people read it at a glance; always says UTC so nobody guesses the zone."""
    if instant is None:
        return "—"
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _who(request: Request) -> Principal | None:
    try:
        return principal(request)
    except Unauthorized:  # a bad bearer header on a page: show it as logged out
        return None


def page(request: Request, template: str, /, status: int = 200, **values: Any) -> HTMLResponse:
    who = _who(request)
    cookie = getattr(request.state, "session_cookie", None)
    values.setdefault("who", who)
    values.setdefault("csrf_token", csrf_token_for(cookie) if cookie else "")
    values.setdefault("is_admin", bool(who and has_role(who.role, Role.admin)))
    values.setdefault("nav", request.app.state.nav.visible_to(who))
    values.setdefault("path", request.url.path)
    response = templates(request).TemplateResponse(request, template, values, status_code=status)
    # Pages show who is on call and who leads what: never serve them from a shared cache.
    response.headers["cache-control"] = "no-store"
    return response


def is_htmx(request: Request) -> bool:
    """A partial update from htmx (not a history restore, which needs the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def safe_next(target: str | None) -> str:
    """A same-site path to go to after login, or "/". An open redirect is a phishing tool."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    # Browsers read "/\evil.example" as "//evil.example"; control characters hide tricks.
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def to_login(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # Only a page can be returned to; a form post (logout, a stale tab) starts over at home.
    back = safe_next(here) if request.method == "GET" else "/"
    target = "/login" if back == "/" else f"/login?next={quote(back, safe='')}"
    if is_htmx(request):
        # A redirect would swap the login form into a table; make htmx load the page instead.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def problem(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return page(request, "error.html", status=status, code=status, title=title, message=message)


class PageRoute(APIRoute):
    """Route class of every page router: the caller is a person with a browser, so a missing
    login becomes a redirect to the login form and other domain errors become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthorized:
                return to_login(request)
            except Forbidden as error:
                return problem(request, 403, "Not allowed", error.message)
            except NotFound as error:
                return problem(request, 404, "Not found", error.message)
            except Invalid as error:  # what no route takes (params.storable_text), not a form's
                return problem(request, status_of(error), "Not accepted", error.message)
            except RequestValidationError as error:  # an id out of range in the address
                said = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in error.errors())
                return problem(request, 422, "Not accepted", said)

        return page_handler
