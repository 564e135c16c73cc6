"""The public status page (`/status`, no login): public services impacted now (by an incident a
person has acknowledged) and running or upcoming maintenance with the message for users. No
incident titles, authors or people."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from onwatch.alerts.status import public_status
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Status", "/status", 85),)


@router.get("/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    ctx = context(request)
    with ctx.db.read() as session:
        status = public_status(session, ctx.clock.now())
    return page(
        request,
        "status/page.html",
        status=200,
        impacted=status.impacted,
        services=status.services,
        active=[w for w in status.maintenance if w.active],
        upcoming=[w for w in status.maintenance if not w.active],
        now=status.now,
    )
