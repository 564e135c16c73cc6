"""DSN keys disabled and rotated by an admin over the API, on SQLite and PostgreSQL: intake
answers 401 with a sentence to a disabled key and stores nothing; a rotation keeps the old key
working unless asked to disable it; each change audited once; other roles refused."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from tests.adapters.errors.conftest import Project, stored
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.conftest import bearer


def _send(client: TestClient, project_id: int, public_key: str) -> Response:
    return client.post(
        f"/api/{project_id}/envelope/",
        content=event_envelope(exception_event()),
        headers=auth(public_key),
    )


def _audited(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.entity_key)
            .where(AuditEntry.entity_type == "error_key")
            .order_by(AuditEntry.id)
        )
        return [(action, key) for action, key in rows]


def _public_key(view: dict[str, object]) -> str:
    return str(view["dsn"]).split("://", 1)[1].split("@", 1)[0]


def _key_id(client: TestClient, project: Project, tokens: dict[str, str]) -> int:
    listed = client.get("/api/v1/errors/keys", headers=bearer(tokens["viewer"])).json()
    return next(k["id"] for k in listed if _public_key(k) == project.public_key)


def test_a_disabled_key_is_refused_at_intake_with_nothing_stored(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str], clock: FakeClock
) -> None:
    key_id = _key_id(client, project, tokens)
    url = f"/api/v1/errors/keys/{key_id}/disable"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=bearer(tokens["responder"])).status_code == 403
    assert _send(client, project.project_id, project.public_key).status_code == 200
    before = stored(db)

    admin = bearer(tokens["admin"])
    disabled = client.post(url, headers=admin)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"].startswith("2026-03-02T14:00")
    refused = _send(client, project.project_id, project.public_key)
    assert refused.status_code == 401
    message = refused.json()["error"]["message"]
    assert "disabled at 2026-03-02 14:00 UTC" in message and "current DSN" in message
    assert stored(db) == before
    clock.advance(timedelta(hours=1))
    again = client.post(url, headers=admin)
    assert again.status_code == 200 and again.json()["disabled_at"].startswith("2026-03-02T14:00")
    assert client.post("/api/v1/errors/keys/9999/disable", headers=admin).status_code == 404
    assert _audited(db) == [("error_key.create", str(key_id)), ("error_key.disable", str(key_id))]


def test_a_rotation_keeps_the_old_key_until_asked_to_disable_it(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    old_id = _key_id(client, project, tokens)
    admin = bearer(tokens["admin"])
    url = "/api/v1/errors/keys/rotate"
    assert client.post(url, json={"service": project.service},
                       headers=bearer(tokens["responder"])).status_code == 403  # fmt: skip
    missing = client.post(url, json={}, headers=admin)
    assert missing.status_code == 422 and "service" in missing.text
    assert client.post(url, json={"service": "nope"}, headers=admin).status_code == 404

    graced = client.post(url, json={"service": project.service}, headers=admin)
    assert graced.status_code == 201, graced.text
    first = graced.json()
    assert [p["id"] for p in first["previous"]] == [old_id]
    assert first["previous"][0]["disabled_at"] is None
    assert first["key"]["dsn"].endswith(f"/{project.project_id}")
    assert _send(client, project.project_id, project.public_key).status_code == 200
    assert _send(client, project.project_id, _public_key(first["key"])).status_code == 200

    at_once = client.post(url, json={"service": project.service, "disable_old": True},
                          headers=admin).json()  # fmt: skip
    assert sorted(p["id"] for p in at_once["previous"]) == [old_id, first["key"]["id"]]
    assert all(p["disabled_at"] for p in at_once["previous"])
    assert _send(client, project.project_id, project.public_key).status_code == 401
    assert _send(client, project.project_id, _public_key(first["key"])).status_code == 401
    assert _send(client, project.project_id, _public_key(at_once["key"])).status_code == 200
    assert [a for a, _ in _audited(db)] == [
        "error_key.create",
        "error_key.create", "error_key.rotate",
        "error_key.create", "error_key.disable", "error_key.disable", "error_key.rotate",
    ]  # fmt: skip
