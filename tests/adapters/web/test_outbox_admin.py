"""The admin outbox page and API: dead letters with their last error, a retry button that needs
the CSRF token and is audited, and nothing of it for anyone but admins."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.notifications.models import Notification
from tests.adapters.web.test_pages_tokens import sign_in
from tests.conftest import bearer
from tests.integration.engine.dead import dead_letter


def state_of(db: Database, row_id: int) -> tuple[str, int]:
    with db.read() as session:
        row = session.get(Notification, row_id)
        assert row is not None
        return row.state, row.attempts


def audited(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_key).where(
                AuditEntry.entity_type == "notification"
            )
        )
        return [tuple(r) for r in rows]


def test_an_admin_sees_a_dead_letter_and_retries_it_from_the_page(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    row_id = dead_letter(db, clock)
    csrf = sign_in(client, db, clock, "admin")
    shown = client.get("/admin/outbox")
    assert shown.status_code == 200
    assert "Ann Archer by slack" in shown.text
    assert "cannot reach 127.0.0.1:9: refused" in shown.text
    assert f'action="/admin/outbox/{row_id}/retry"' in shown.text

    refused = client.post(f"/admin/outbox/{row_id}/retry", data={"state": "dead"})
    assert refused.status_code == 403
    assert state_of(db, row_id) == ("dead", 10)

    done = client.post(
        f"/admin/outbox/{row_id}/retry", data={"state": "dead", "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert state_of(db, row_id) == ("pending", 0)
    assert audited(db) == [("user:root", "retry", str(row_id))]
    again = client.post(f"/admin/outbox/{row_id}/retry", data={"csrf_token": csrf})
    assert again.status_code == 409
    assert "only a dead letter is retried" in again.text


def test_only_admins_see_the_outbox(
    client: TestClient, db: Database, clock: FakeClock, tokens: dict[str, str]
) -> None:
    row_id = dead_letter(db, clock)
    sign_in(client, db, clock, "responder")
    assert client.get("/admin/outbox").status_code == 403
    for role in ("viewer", "responder"):
        headers = bearer(tokens[role])
        assert client.get("/api/v1/outbox", headers=headers).status_code == 403
        assert client.post(f"/api/v1/outbox/{row_id}/retry", headers=headers).status_code == 403
    assert state_of(db, row_id) == ("dead", 10)
    assert audited(db) == []


def test_the_api_lists_dead_letters_and_retries_one(
    client: TestClient, db: Database, clock: FakeClock, tokens: dict[str, str]
) -> None:
    row_id = dead_letter(db, clock)
    headers = bearer(tokens["admin"])
    [listed] = client.get("/api/v1/outbox", headers=headers).json()
    assert (listed["id"], listed["state"], listed["attempts"]) == (row_id, "dead", 10)
    assert listed["last_error"] == "cannot reach 127.0.0.1:9: refused"
    assert client.get("/api/v1/outbox?state=pending", headers=headers).json() == []
    bad = client.get("/api/v1/outbox?state=lost", headers=headers)
    assert bad.status_code == 422 and "state" in bad.text
    assert client.post("/api/v1/outbox/999999/retry", headers=headers).status_code == 404
    retried = client.post(f"/api/v1/outbox/{row_id}/retry", headers=headers)
    assert retried.status_code == 200
    assert (retried.json()["state"], retried.json()["due_at"][:19]) == (
        "pending", clock.now().isoformat()[:19],
    )  # fmt: skip
    assert audited(db) == [("token:test-admin", "retry", str(row_id))]
