"""The morning review page, `/errors/review?team=`: a team's error issues new or regressed since
close of business by its calendar (docs/errors.md, "Morning review")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from onwatch.auth.roles import Principal
from onwatch.directory.queries import get_team, team_names
from onwatch.errors.morning import calendar_of, team_issues
from onwatch.errors.review import review_since
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = ()


@router.get("/errors/review", response_class=HTMLResponse)
def review_page(
    request: Request, team: str = Query(""), _: Principal = Depends(viewer)
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        teams = sorted(team_names(session).values())
        chosen = get_team(session, team) if team else None
        found = calendar_of(session, chosen) if chosen is not None else None
        since = review_since(found[1], now) if found is not None else None
        issues = team_issues(session, chosen, since) if chosen and since else []
    return page(
        request,
        "errors/review.html",
        teams=teams,
        team=team,
        calendar=found[0] if found else None,
        since=since,
        new=[r for r in issues if r.why == "new"],
        regressed=[r for r in issues if r.why == "regressed"],
    )
