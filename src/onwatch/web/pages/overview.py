"""The home page: what needs attention now (open incidents, most severe first, with who handles
each), who is on call, and gaps in who answers for what. It refreshes itself (htmx polls for its
changing part, live.POLL_SECONDS), so a screen left open stays true."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from onwatch.auth.roles import Principal
from onwatch.web.pages.answering import Answering, open_incidents
from onwatch.web.pages.live import page_or_part
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, _: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        answering = Answering.load(session, now)
        incidents, open_total = open_incidents(session, answering, now)
    d = answering.directory
    rows = d.service_rows()
    ours = [r for r in rows if r.spec.controlled]
    return page_or_part(
        request,
        "overview/home.html",
        "overview/_live.html",
        d=d,
        ours=len(ours),
        upstream=len(rows) - len(ours),
        no_team=[r for r in ours if not r.spec.team],
        no_lead=[r for r in ours if not r.tech_lead],
        empty_teams=[t for t in d.teams.values() if not t.members],
        on_call=answering.on_call,
        incidents=incidents,
        open_total=open_total,
        now=now,
    )
