"""API tokens for admins: list, create (the secret is shown once, then only its hash is kept)
and revoke. Each change goes through auth.actions, which audits it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth import actions as auth
from onwatch.auth.roles import Principal, Role
from onwatch.core.errors import Conflict, Invalid
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import admin, context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Tokens", "/admin/tokens", 90, Role.admin),)
ROLES = [role.value for role in Role]


def _tokens_page(
    request: Request,
    *,
    status: int = 200,
    created: auth.NewToken | None = None,
    error: str | None = None,
    name: str = "",
    role: str = Role.viewer.value,
) -> Response:
    with context(request).db.read() as session:
        tokens = auth.list_tokens(session)
    return page(
        request,
        "admin/tokens.html",
        status=status,
        tokens=tokens,
        roles=ROLES,
        created=created,
        error=error,
        name=name,
        role=role,
    )


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens(request: Request, _: Principal = Depends(admin)) -> Response:
    return _tokens_page(request)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    name: str = Form(""),
    role: str = Form(""),
    who: Principal = Depends(admin),
) -> Response:
    ctx = context(request)
    name = name.strip()
    try:
        with ctx.db.transaction() as session:
            issued = auth.create_token(
                session, name=name, role=role, actor=who.actor, now=ctx.clock.now()
            )
    except (Invalid, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 422
        return _tokens_page(request, status=status, error=error.message, name=name, role=role)
    # Rendered, not redirected: the secret must never travel in a URL or be shown twice.
    return _tokens_page(request, status=201, created=issued)


@router.post("/admin/tokens/revoke")
def revoke_token(
    request: Request, name: str = Form(""), who: Principal = Depends(admin)
) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        auth.revoke_token(session, name=name, actor=who.actor, now=ctx.clock.now())
    return RedirectResponse("/admin/tokens", status_code=303)
