"""Heartbeats over HTTP with the engine ticked by hand: a missed interval plus grace opens an
alert `heartbeat:<name>`, the next ping resolves it; keys, roles and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.models import Alert, Heartbeat
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.incidents.models import Incident
from tests.conftest import bearer

SERVICE = {"name": "backups"}


@pytest.fixture
def admin(client: TestClient, tokens: dict[str, str]) -> dict[str, str]:
    headers = bearer(tokens["admin"])
    assert client.post("/api/v1/services", json=SERVICE, headers=headers).status_code == 201
    return headers


def create(client: TestClient, admin: dict[str, str], **fields: str) -> dict:
    body = {"name": "nightly", "service": "backups", "interval": "1h", "grace": "10m", **fields}
    response = client.post("/api/v1/heartbeats", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def alerts(db: Database) -> list[Alert]:
    with db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_missed_heartbeat_opens_an_alert_and_the_next_ping_resolves_it(
    client: TestClient, admin: dict[str, str], db: Database, clock: FakeClock
) -> None:
    engine = build_engine(db, clock)
    created = create(client, admin)
    assert created["ping_url"] == f"http://127.0.0.1:8080/heartbeats/{created['key']}/ping"
    ping = f"/heartbeats/{created['key']}/ping"

    answer = client.post(ping)
    assert answer.status_code == 200
    assert answer.json()["heartbeat"] == "nightly"
    clock.advance(timedelta(hours=1, minutes=9))
    assert engine.tick().done["heartbeats"] == 0
    assert alerts(db) == []

    clock.advance(timedelta(minutes=1))  # interval + grace have passed without a ping
    assert engine.tick().done["heartbeats"] == 1
    [alert] = alerts(db)
    assert (alert.dedup_key, alert.status, alert.severity) == (
        "heartbeat:nightly",
        "firing",
        "critical",
    )
    assert "no ping since 2026-03-02 14:00:00 UTC" in alert.summary
    with db.read() as session:
        [incident] = session.scalars(select(Incident)).all()
        assert incident.status == "triggered"
    assert engine.tick().done["heartbeats"] == 0  # down stays down, no second alert

    clock.advance(timedelta(minutes=30))
    assert client.get(ping).status_code == 200  # GET works too, for tools that cannot POST
    [alert] = alerts(db)
    assert (alert.status, alert.resolved_at) == ("resolved", clock.now())
    with db.read() as session:
        assert session.scalar(select(Incident.status)) == "resolved"
        beat = session.scalar(select(Heartbeat))
        assert (beat.state, beat.due_at) == ("up", clock.now() + timedelta(hours=1, minutes=10))

    clock.advance(timedelta(hours=2))
    engine.tick()
    assert [a.status for a in alerts(db)] == ["resolved", "firing"]


def test_a_new_heartbeat_is_not_watched_before_its_first_ping(
    client: TestClient, admin: dict[str, str], db: Database, clock: FakeClock
) -> None:
    create(client, admin)
    clock.advance(timedelta(days=3))
    assert build_engine(db, clock).tick().done["heartbeats"] == 0
    [listed] = client.get("/api/v1/heartbeats", headers=admin).json()
    assert (listed["state"], listed["last_ping_at"], listed["has_key"]) == ("new", None, True)


def test_a_new_key_replaces_the_old_one(
    client: TestClient, admin: dict[str, str], clock: FakeClock
) -> None:
    old = create(client, admin)["key"]
    new = client.post("/api/v1/heartbeats/nightly/key", headers=admin).json()["key"]
    assert client.post(f"/heartbeats/{old}/ping").status_code == 401
    assert client.post(f"/heartbeats/{new}/ping").status_code == 200


def test_unknown_key_is_401_and_says_nothing(client: TestClient) -> None:
    response = client.post("/heartbeats/owh_not-a-key/ping")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "unknown heartbeat key"


def test_only_admins_create_heartbeats_and_each_change_is_audited(
    client: TestClient, admin: dict[str, str], tokens: dict[str, str], db: Database
) -> None:
    body = {"name": "nightly", "service": "backups", "interval": "1h"}
    responder = bearer(tokens["responder"])
    assert client.post("/api/v1/heartbeats", json=body, headers=responder).status_code == 403
    assert client.get("/api/v1/heartbeats", headers=bearer(tokens["viewer"])).status_code == 200
    create(client, admin)
    changed = {**body, "interval": "2h"}
    assert client.put("/api/v1/heartbeats/nightly", json=changed, headers=admin).json() == {
        "changed": True
    }
    assert client.delete("/api/v1/heartbeats/nightly", headers=admin).status_code == 204
    with db.read() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == "heartbeat")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["heartbeat.create", "heartbeat.key", "heartbeat.update", "heartbeat.delete"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"interval": "5s"}, "interval"),
        ({"service": "nope"}, "service"),
        ({"name": "Not A Name"}, "name"),
        ({"interval": "soon"}, "interval"),
    ],
)
def test_bad_heartbeat_is_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, admin: dict[str, str], db: Database, fields: dict[str, str], field: str
) -> None:
    body = {"name": "nightly", "service": "backups", "interval": "1h", **fields}
    response = client.post("/api/v1/heartbeats", json=body, headers=admin)
    assert response.status_code == 422
    assert (
        field in {f["field"] for f in response.json()["error"]["fields"]}
        or field in (response.json()["error"]["message"])
    )
    with db.read() as session:
        assert session.scalars(select(Heartbeat)).all() == []


def test_removing_a_down_heartbeat_resolves_its_alert(
    client: TestClient, admin: dict[str, str], db: Database, clock: FakeClock
) -> None:
    key = create(client, admin, interval="10m", grace="0s")["key"]
    client.post(f"/heartbeats/{key}/ping")
    clock.advance(timedelta(minutes=10))
    build_engine(db, clock).tick()
    assert client.delete("/api/v1/heartbeats/nightly", headers=admin).status_code == 204
    assert [a.status for a in alerts(db)] == ["resolved"]
