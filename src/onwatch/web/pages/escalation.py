"""Escalation policy pages: every policy with its steps, and one policy with whom each step
would reach right now. Policies are declared in the config file (`onwatch apply`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from onwatch.auth.roles import Principal
from onwatch.escalation.views import one_policy, policy_views
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Escalation", "/escalation-policies", 35),)


@router.get("/escalation-policies", response_class=HTMLResponse)
def policies(request: Request, _: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        views = policy_views(session, now)
    return page(request, "escalation/list.html", policies=views, now=now)


@router.get("/escalation-policies/{name}", response_class=HTMLResponse)
def policy(name: str, request: Request, _: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        view = one_policy(session, name, now)
    return page(request, "escalation/policy.html", p=view, now=now)
