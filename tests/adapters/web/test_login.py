"""Logging in and out of the web UI: cookies, CSRF, redirects, and what an anonymous visit gets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.auth.models import WebSession
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.pages.render import safe_next
from onwatch.web.security import SESSION_COOKIE, csrf_token_for

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db: Database, clock: FakeClock) -> str:
    with db.transaction() as session:
        auth.create_user(
            session, username="ann", password=PASSWORD, role="viewer", actor="test", now=clock.now()
        )
    return "ann"


def form_token(client: TestClient, next: str = "/") -> str:
    page = client.get("/login", params={"next": next})
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def log_in(client: TestClient, password: str = PASSWORD, next: str = "/") -> object:
    token = form_token(client, next)
    return client.post(
        "/login",
        data={"username": "ann", "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def sessions(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(WebSession))


def test_login_sets_an_httponly_session_cookie_and_redirects_to_next(
    client: TestClient, user: str, db: Database
) -> None:
    response = log_in(client, next="/services?q=api")
    assert response.status_code == 303
    assert response.headers["location"] == "/services?q=api"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")
    )
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert sessions(db) == 1
    assert client.get("/services", follow_redirects=False).status_code == 200


def test_wrong_password_shows_the_form_again_with_401(
    client: TestClient, user: str, db: Database
) -> None:
    response = log_in(client, password="not the password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert SESSION_COOKIE not in response.cookies
    assert sessions(db) == 0
    # The page carries a fresh form token, so the next attempt works without a reload.
    assert log_in(client).status_code == 303


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: TestClient, user: str
) -> None:
    token = form_token(client)
    response = client.post(
        "/login", data={"username": "zed", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password." in response.text


@pytest.mark.parametrize("sent", [None, "forged"])
def test_login_without_the_form_token_is_403_and_starts_no_session(
    client: TestClient, user: str, db: Database, sent: str | None
) -> None:
    form_token(client)
    data = {"username": "ann", "password": PASSWORD}
    if sent is not None:
        data["csrf_token"] = sent
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "expired" in response.text
    assert sessions(db) == 0


def test_login_from_a_page_that_never_had_the_form_is_403(
    client: TestClient, user: str, db: Database
) -> None:
    response = client.post(
        "/login", data={"username": "ann", "password": PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 403
    assert sessions(db) == 0


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\r\nLocation: //evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_safe_next_refuses_anything_but_a_same_site_path(target: str) -> None:
    assert safe_next(target) == "/"


def test_safe_next_keeps_a_same_site_path_with_its_query() -> None:
    assert safe_next("/services/api?q=a%20b") == "/services/api?q=a%20b"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client: TestClient, user: str, target: str) -> None:
    response = log_in(client, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_login_form_does_not_carry_an_off_site_next(client: TestClient) -> None:
    page = client.get("/login", params={"next": "//evil.example"})
    assert 'name="next" value="/"' in page.text


def test_logout_ends_the_session(client: TestClient, user: str, db: Database) -> None:
    log_in(client)
    cookie = client.cookies[SESSION_COOKIE]
    response = client.post(
        "/logout", data={"csrf_token": csrf_token_for(cookie)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert sessions(db) == 0
    # Even a copy of the old cookie no longer opens a page.
    client.cookies.set(SESSION_COOKIE, cookie)
    after = client.get("/services", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["session.login", "session.logout"]


@pytest.mark.parametrize("sent", [None, "0" * 64])
def test_logout_without_the_right_csrf_token_is_403_and_keeps_the_session(
    client: TestClient, user: str, db: Database, sent: str | None
) -> None:
    log_in(client)
    response = client.post("/logout", data={} if sent is None else {"csrf_token": sent})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert sessions(db) == 1
    assert client.get("/services", follow_redirects=False).status_code == 200


def test_csrf_token_of_another_session_is_refused(
    client: TestClient, user: str, db: Database
) -> None:
    log_in(client)
    mine = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    log_in(client)
    response = client.post("/logout", data={"csrf_token": csrf_token_for(mine)})
    assert response.status_code == 403
    assert sessions(db) == 2


def test_anonymous_page_visit_redirects_to_login_and_back(client: TestClient, user: str) -> None:
    response = client.get("/services?q=api", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fservices%3Fq%3Dapi"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/services?q=api"' in page.text
    assert log_in(client, next="/services?q=api").headers["location"] == "/services?q=api"


def test_anonymous_api_call_keeps_its_json_401(client: TestClient) -> None:
    response = client.get("/api/v1/services", headers={"accept": "text/html"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_anonymous_htmx_request_is_told_to_load_the_login_page(client: TestClient) -> None:
    response = client.get("/people?q=a", headers={"hx-request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login?next=%2Fpeople%3Fq%3Da"


def test_expired_session_sends_the_user_back_to_login(
    client: TestClient, user: str, clock: FakeClock
) -> None:
    log_in(client)
    clock.advance(timedelta(hours=13))
    response = client.get("/teams", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fteams"


def test_logged_in_user_opening_the_login_page_goes_on_to_next(
    client: TestClient, user: str
) -> None:
    log_in(client)
    response = client.get("/login?next=/people", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/people"
