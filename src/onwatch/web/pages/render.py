"""Rendering a page: the template environment and what every page gets (who, CSRF token, nav)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.web.security import csrf_token_for, principal

TEMPLATES = Path(__file__).parent.parent / "templates"


def templates(request: Request) -> Jinja2Templates:
    app = request.app
    if not hasattr(app.state, "templates"):
        app.state.templates = Jinja2Templates(directory=str(TEMPLATES))
    return app.state.templates


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    who: Principal | None = principal(request)
    cookie = getattr(request.state, "session_cookie", None)
    values.setdefault("who", who)
    values.setdefault("csrf_token", csrf_token_for(cookie) if cookie else "")
    values.setdefault("can_write", bool(who and has_role(who.role, Role.admin)))
    return templates(request).TemplateResponse(request, name, values, status_code=status)


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
