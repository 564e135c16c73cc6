"""The home page: counts, and what needs attention: who is on call now, gaps in who answers for
what (open incidents go here as that capability arrives)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from onwatch.auth.roles import Principal
from onwatch.schedules.lookups import everyone_on_call
from onwatch.web.pages.directory_view import Directory
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, _: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    with ctx.db.read() as session:
        d = Directory.load(session)
        on_call = everyone_on_call(session, ctx.clock.now())
    rows = d.service_rows()
    ours = [r for r in rows if r.spec.controlled]
    return page(
        request,
        "overview/home.html",
        d=d,
        ours=len(ours),
        upstream=len(rows) - len(ours),
        no_team=[r for r in ours if not r.spec.team],
        no_lead=[r for r in ours if not r.tech_lead],
        empty_teams=[t for t in d.teams.values() if not t.members],
        on_call=on_call,
    )
