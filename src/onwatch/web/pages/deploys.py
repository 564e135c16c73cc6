"""The deploys pages: deploys newest first (filtered by service), and a deploy with what the watch
after it found."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from onwatch.auth.roles import Principal
from onwatch.deploys import queries
from onwatch.web.api.deploys import deploy_detail, deploy_view
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.params import Id
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# Beside Errors: after a deploy a responder looks at both.
NAV = (NavLink("Deploys", "/deploys", 26),)


@router.get("/deploys", response_class=HTMLResponse)
def deploys_page(
    request: Request, service: str = Query(""), _: Principal = Depends(viewer)
) -> Response:
    with context(request).db.read() as session:
        rows = [deploy_view(d, name) for d, name in queries.deploys(session, service or None)]
    return page(request, "deploys/list.html", rows=rows, service=service)


@router.get("/deploys/{deploy_id}", response_class=HTMLResponse)
def deploy_page(deploy_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    with context(request).db.read() as session:
        detail = deploy_detail(session, deploy_id)
    return page(request, "deploys/deploy.html", deploy=detail)
