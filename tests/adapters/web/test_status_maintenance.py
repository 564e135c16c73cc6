"""Maintenance windows over HTTP (responders create and cancel them, audited) and the public
status endpoints: no credential, CORS for any origin, running and upcoming windows, and which
services are impacted, without internal details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import MaintenanceWindow
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.incidents.models import Incident
from onwatch.integrations.keys import create_integration
from tests.conftest import bearer


@pytest.fixture
def routing_key(client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock) -> str:
    admin = bearer(tokens["admin"])
    for service in (
        {"name": "vet-records", "display_name": "Veteran records", "controlled": False},
        {"name": "health-app", "depends_on": ["vet-records"], "public": True},
    ):
        assert client.post("/api/v1/services", json=service, headers=admin).status_code == 201
    with db.transaction() as session:
        return create_integration(
            session,
            name="records-pd",
            service="vet-records",
            kind="pagerduty",
            actor="test",
            now=clock.now(),
        ).key


def window(client: TestClient, tokens: dict[str, str], **body: str) -> dict:
    response = client.post(
        "/api/v1/maintenance",
        headers=bearer(tokens["responder"]),
        json={"service": "vet-records", "message": "Records are read-only", **body},
    )
    assert response.status_code == 201, response.text
    return response.json()


def trigger(client: TestClient, key: str, dedup: str) -> None:
    body = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": {"summary": f"{dedup} failing", "source": "records", "severity": "critical"},
    }
    assert client.post("/v2/enqueue", json=body).status_code == 202


def test_public_endpoint_lists_running_and_upcoming_windows_without_a_credential(
    client: TestClient, routing_key: str, tokens: dict[str, str], clock: FakeClock
) -> None:
    running = window(client, tokens, duration="2h")
    tomorrow = (clock.now() + timedelta(days=1)).isoformat()
    upcoming = window(client, tokens, starts_at=tomorrow, duration="30m", message="Upgrade")
    dropped = window(client, tokens, starts_at=tomorrow, duration="1h", message="Never mind")
    cancel = client.post(
        f"/api/v1/maintenance/{dropped['id']}/cancel", headers=bearer(tokens["responder"])
    )
    assert cancel.status_code == 200

    response = client.get(
        "/api/v1/status/maintenance", headers={"Origin": "https://app.example.org"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, OPTIONS"
    assert "public" in response.headers["cache-control"]
    body = response.json()
    assert body["active"] == [
        {
            "id": running["id"],
            "service": "vet-records",
            "service_name": "Veteran records",
            "starts_at": "2026-03-02T14:00:00Z",
            "ends_at": "2026-03-02T16:00:00Z",
            "message": "Records are read-only",
            "affected_services": ["health-app"],
        }
    ]
    assert [(w["id"], w["message"]) for w in body["upcoming"]] == [(upcoming["id"], "Upgrade")]
    assert "author" not in str(body) and "token:" not in str(body)

    preflight = client.options(
        "/api/v1/status/maintenance",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert client.post("/api/v1/status/maintenance").status_code == 405

    clock.advance(timedelta(hours=2))
    later = client.get("/api/v1/status/maintenance").json()
    assert (later["active"], [w["id"] for w in later["upcoming"]]) == ([], [upcoming["id"]])


def test_public_summary_names_impacted_services_but_no_incident_details(
    client: TestClient, routing_key: str, tokens: dict[str, str]
) -> None:
    public = {"name": "vet-records", "display_name": "Veteran records", "controlled": False,
              "public": True}
    admin, responder = bearer(tokens["admin"]), bearer(tokens["responder"])
    assert client.put("/api/v1/services/vet-records", json=public, headers=admin).status_code == 200
    trigger(client, routing_key, "records-timeouts")
    assert client.get("/api/v1/status").json()["impacted"] == []  # nobody has looked yet
    [incident] = client.get("/api/v1/incidents", headers=responder).json()["items"]
    acked = client.post(f"/api/v1/incidents/{incident['id']}/acknowledge", headers=responder)
    assert acked.status_code == 200
    body = client.get("/api/v1/status").json()
    assert body["impacted"] == [
        {
            "service": "vet-records",
            "service_name": "Veteran records",
            "since": "2026-03-02T14:00:00Z",
            "impact": "major",
        }
    ]
    assert "records-timeouts" not in str(body)


def test_window_holds_alerts_over_intake_and_releases_them_when_cancelled(
    client: TestClient, routing_key: str, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    engine = build_engine(db, clock)
    made = window(client, tokens, duration="4h")
    trigger(client, routing_key, "records-timeouts")
    engine.tick()
    listed = client.get("/api/v1/maintenance", headers=bearer(tokens["viewer"])).json()
    assert [(w["id"], w["state"], w["held_alerts"]) for w in listed] == [(made["id"], "active", 1)]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 0
    clock.advance(timedelta(minutes=40))
    cancelled = client.post(
        f"/api/v1/maintenance/{made['id']}/cancel", headers=bearer(tokens["responder"])
    ).json()
    assert (cancelled["state"], cancelled["cancelled_at"]) == ("expired", "2026-03-02T14:40:00Z")
    engine.tick()
    with db.read() as session:
        [incident] = session.scalars(select(Incident)).all()
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_type == "maintenance")
            )
        )
    assert (incident.opened_at, incident.severity) == (clock.now(), "sev1")
    assert actions == ["maintenance.create", "maintenance.cancel"]
    again = client.post(
        f"/api/v1/maintenance/{made['id']}/cancel", headers=bearer(tokens["responder"])
    )
    assert again.status_code == 409


def test_bad_window_is_422_naming_each_field_and_nothing_is_stored(
    client: TestClient, routing_key: str, tokens: dict[str, str], db: Database
) -> None:
    response = client.post(
        "/api/v1/maintenance",
        headers=bearer(tokens["responder"]),
        json={
            "service": "nope",
            "starts_at": "2026-03-02T18:00:00Z",
            "ends_at": "2026-03-02T17:00:00Z",
            "message": "m",
        },
    )
    assert response.status_code == 422
    assert {f["field"] for f in response.json()["error"]["fields"]} == {"service", "ends_at"}
    missing = client.post(
        "/api/v1/maintenance",
        headers=bearer(tokens["responder"]),
        json={"service": "vet-records", "duration": "1h"},
    )
    assert [f["field"] for f in missing.json()["error"]["fields"]] == ["message"]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0


def test_only_responders_change_windows(
    client: TestClient, routing_key: str, tokens: dict[str, str]
) -> None:
    body = {"service": "vet-records", "duration": "1h", "message": "m"}
    assert client.post("/api/v1/maintenance", json=body).status_code == 401
    assert (
        client.post("/api/v1/maintenance", json=body, headers=bearer(tokens["viewer"])).status_code
        == 403
    )
    assert (
        client.post("/api/v1/maintenance", json=body, headers=bearer(tokens["admin"])).status_code
        == 201
    )
