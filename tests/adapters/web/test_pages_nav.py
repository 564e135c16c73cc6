"""The nav bar is data: pages modules declare links, later capabilities add theirs."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient

from onwatch.auth import actions as auth
from onwatch.auth.roles import Principal, Role
from onwatch.core.clock import FakeClock
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from onwatch.web.pages import site
from onwatch.web.pages.nav import Nav, NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import SESSION_COOKIE, viewer

ANN = Principal(actor="user:ann", role=Role.viewer)
ROOT = Principal(actor="user:root", role=Role.admin)


def test_links_come_in_order_and_only_to_those_allowed() -> None:
    nav = Nav()
    nav.add([NavLink("People", "/people", 70), NavLink("Tokens", "/admin/tokens", 90, Role.admin)])
    nav.add([NavLink("Incidents", "/incidents", 10)])
    assert [link.label for link in nav.visible_to(ROOT)] == ["Incidents", "People", "Tokens"]
    assert [link.label for link in nav.visible_to(ANN)] == ["Incidents", "People"]
    assert nav.visible_to(None) == []


def test_two_links_to_one_path_are_a_mistake() -> None:
    nav = Nav()
    nav.add([NavLink("Services", "/services", 50)])
    with pytest.raises(ValueError, match="/services"):
        nav.add([NavLink("Apps", "/services", 55)])


@pytest.mark.parametrize(
    ("path", "current"),
    [("/services", True), ("/services/api", True), ("/servicesx", False), ("/", False)],
)
def test_a_link_is_current_on_its_page_and_below(path: str, current: bool) -> None:
    assert NavLink("Services", "/services", 50).is_current(path) is current


def test_a_later_pages_module_plugs_in_with_its_route_and_link(
    ctx: AppContext, clock: FakeClock
) -> None:
    router = APIRouter(route_class=PageRoute)

    @router.get("/incidents")
    def incidents(request: Request, _: Principal = Depends(viewer)) -> Response:
        return page(request, "error.html", code=200, title="Incidents", message="none open")

    module = SimpleNamespace(router=router, NAV=(NavLink("Incidents", "/incidents", 10),))
    app = FastAPI()
    app.state.ctx = ctx
    site.install(app, [module])
    with ctx.db.transaction() as session:
        user = auth.create_user(
            session,
            username="ann",
            password="correct horse battery",
            role="viewer",
            actor="test",
            now=clock.now(),
        )
        cookie = auth.start_session(session, user, clock.now(), timedelta(hours=1)).cookie
    client = TestClient(app)
    assert client.get("/incidents", follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie)
    response = client.get("/incidents")
    assert response.status_code == 200
    assert '<a href="/incidents" aria-current="page">Incidents</a>' in response.text


def test_the_app_mounts_the_directory_and_admin_links(ctx: AppContext) -> None:
    nav: Nav = create_app(ctx).state.nav
    assert [link.path for link in nav.visible_to(ROOT)] == [
        "/incidents",
        "/alerts",
        "/errors",
        "/deploys",
        "/schedules",
        "/escalation-policies",
        "/silences",
        "/maintenance",
        "/services",
        "/teams",
        "/people",
        "/status",
        "/admin/tokens",
        "/admin/integrations",
        "/admin/outbox",
    ]
