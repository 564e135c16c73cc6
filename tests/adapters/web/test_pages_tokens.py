"""The admin page for API tokens: the secret is shown once, every form needs the session's CSRF
token, and every change is audited under the admin who made it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.conftest import bearer


def sign_in(client: TestClient, db: Database, clock: FakeClock, role: str) -> str:
    """A real web session; returns the CSRF token its forms carry."""
    with db.transaction() as session:
        user = auth.create_user(
            session,
            username="root",
            password="correct horse battery",
            role=role,
            actor="test",
            now=clock.now(),
        )
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, started.cookie)
    return csrf_token_for(started.cookie)


@pytest.fixture
def admin_csrf(client: TestClient, db: Database, clock: FakeClock) -> str:
    return sign_in(client, db, clock, "admin")


def token_names(db: Database) -> dict[str, bool]:
    """name -> still active."""
    with db.read() as session:
        return {t.name: t.revoked_at is None for t in auth.list_tokens(session)}


def audit(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_key)
            .where(AuditEntry.entity_type == "api_token")
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


def test_admin_creates_a_token_and_sees_its_secret_once(
    client: TestClient, db: Database, admin_csrf: str
) -> None:
    response = client.post(
        "/admin/tokens", data={"name": "ci", "role": "responder", "csrf_token": admin_csrf}
    )
    assert response.status_code == 201
    secret = re.search(r'value="(owt_[^"]+)" aria-label="The new token"', response.text).group(1)
    assert "it will not be shown again" in response.text
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/admin/tokens").text
    assert token_names(db) == {"ci": True}
    assert audit(db) == [("user:root", "token.create", "ci")]


@pytest.mark.parametrize("sent", [None, "0" * 64])
def test_creating_a_token_without_the_csrf_token_is_403_and_creates_nothing(
    client: TestClient, db: Database, admin_csrf: str, sent: str | None
) -> None:
    data = {"name": "ci", "role": "admin"}
    if sent is not None:
        data["csrf_token"] = sent
    response = client.post("/admin/tokens", data=data)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert token_names(db) == {}
    assert audit(db) == []


def test_a_taken_name_is_refused_with_the_form_kept(
    client: TestClient, db: Database, admin_csrf: str
) -> None:
    form = {"name": "ci", "role": "viewer", "csrf_token": admin_csrf}
    assert client.post("/admin/tokens", data=form).status_code == 201
    again = client.post("/admin/tokens", data=form)
    assert again.status_code == 409
    assert "a token named &#39;ci&#39; already exists" in again.text
    assert 'name="name" value="ci"' in again.text
    assert "owt_" not in again.text


def test_an_unknown_role_is_refused(client: TestClient, db: Database, admin_csrf: str) -> None:
    response = client.post(
        "/admin/tokens", data={"name": "ci", "role": "root", "csrf_token": admin_csrf}
    )
    assert response.status_code == 422
    assert "must be one of viewer, responder, admin" in response.text
    assert token_names(db) == {}


def test_admin_revokes_a_token(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    with db.transaction() as session:
        secret = auth.create_token(
            session, name="old", role="viewer", actor="test", now=clock.now()
        ).secret
    response = client.post(
        "/admin/tokens/revoke",
        data={"name": "old", "csrf_token": admin_csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/tokens"
    assert token_names(db) == {"old": False}
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 401
    assert audit(db)[-1] == ("user:root", "token.revoke", "old")
    assert "revoked 2026-03-02 14:00 UTC" in client.get("/admin/tokens").text


def test_revoking_without_the_csrf_token_is_403_and_the_token_keeps_working(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    with db.transaction() as session:
        secret = auth.create_token(
            session, name="old", role="viewer", actor="test", now=clock.now()
        ).secret
    response = client.post("/admin/tokens/revoke", data={"name": "old"})
    assert response.status_code == 403
    assert token_names(db) == {"old": True}
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200


def test_revoking_an_unknown_token_is_a_404_page(client: TestClient, admin_csrf: str) -> None:
    response = client.post("/admin/tokens/revoke", data={"name": "nope", "csrf_token": admin_csrf})
    assert response.status_code == 404
    assert "No token named &#39;nope&#39;." in response.text


def test_a_viewer_may_not_see_or_create_tokens(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    csrf = sign_in(client, db, clock, "viewer")
    page = client.get("/admin/tokens")
    assert page.status_code == 403
    assert "This needs the admin role." in page.text
    create = client.post("/admin/tokens", data={"name": "x", "role": "admin", "csrf_token": csrf})
    assert create.status_code == 403
    assert token_names(db) == {}
