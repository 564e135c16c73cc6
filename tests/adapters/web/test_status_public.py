"""The public status page and `/api/v1/status*` tell the public only about services marked
`public`, and about an incident only once a person has acknowledged it: an unacknowledged
warning may be noise, and "we are working on it" must be true. Maintenance shows for public
services and for what they depend on, naming only public services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.maintenance import MaintenanceRequest, create_window
from onwatch.alerts.responding import acknowledge_incident, resolve_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.incidents.actions import reopen
from tests.adapters.web.test_pages import text_of


@pytest.fixture
def services(db: Database, clock: FakeClock) -> None:
    """`portal` is public and needs the upstream `records` and the internal `billing`."""
    with db.transaction() as session:
        for spec in (
            ServiceSpec(name="records", display_name="Health records", controlled=False),
            ServiceSpec(name="billing", display_name="Billing batch"),
            ServiceSpec(name="reports", display_name="Internal reports"),
            ServiceSpec(
                name="portal",
                display_name="Patient portal",
                public=True,
                depends_on=["records", "billing"],
            ),
        ):
            put_service(session, spec, actor="test", now=clock.now())


def open_incident(db: Database, clock: FakeClock, service: str, severity: str) -> int:
    event = AlertEvent(
        "trigger",
        f"{service}-cert",
        summary="TLS certificate expires in 20 days",
        severity=severity,
    )
    with db.transaction() as session:
        [outcome] = ingest(
            session,
            [Routed(get_service(session, service).id, service, event)],
            integration_id=None,
            now=clock.now(),
        )
    return outcome.incident_id


def act(db: Database, clock: FakeClock, verb: Any, incident: int) -> None:
    with db.transaction() as session:
        verb(session, incident, actor="user:ann", now=clock.now())


def status(client: TestClient) -> tuple[str, dict[str, Any]]:
    return text_of(client.get("/status").text), client.get("/api/v1/status").json()


def test_an_unacknowledged_incident_of_a_public_service_is_not_shown_until_acknowledged(
    client: TestClient, db: Database, clock: FakeClock, services: None
) -> None:
    incident = open_incident(db, clock, "portal", "warning")
    page, body = status(client)
    assert "All services are working normally." in page
    assert "we are working on it" not in page
    assert body["impacted"] == []
    assert body["services"] == [
        {"service": "portal", "service_name": "Patient portal", "status": "operational"}
    ]

    act(db, clock, acknowledge_incident, incident)
    page, body = status(client)
    assert (
        "Patient portal: some disruption since 2026-03-02 14:00 UTC; we are working on it." in page
    )
    assert [(i["service"], i["impact"]) for i in body["impacted"]] == [("portal", "minor")]
    assert body["services"][0]["status"] == "minor"

    act(db, clock, resolve_incident, incident)
    assert status(client)[1]["impacted"] == []
    act(db, clock, reopen, incident)  # acknowledged once, open again: still shown
    assert [i["service"] for i in status(client)[1]["impacted"]] == ["portal"]


def test_a_service_not_marked_public_is_never_shown(
    client: TestClient, db: Database, clock: FakeClock, services: None
) -> None:
    for service in ("reports", "billing"):
        act(db, clock, acknowledge_incident, open_incident(db, clock, service, "critical"))
    page, body = status(client)
    assert "All services are working normally." in page
    assert body["impacted"] == []
    assert [s["service"] for s in body["services"]] == ["portal"]
    assert "Internal reports" not in page and "Billing batch" not in page


def test_maintenance_shows_for_public_services_and_what_they_depend_on_naming_only_public_ones(
    client: TestClient, db: Database, clock: FakeClock, services: None
) -> None:
    with db.transaction() as session:
        for service, message in (
            ("records", "Records are read-only"),  # upstream of portal: shown
            ("reports", "Reports rebuild"),  # nothing public needs it: hidden
        ):
            create_window(
                session,
                MaintenanceRequest(service=service, duration="2h", message=message),
                actor="user:ann",
                now=clock.now(),
            )
        create_window(
            session,
            MaintenanceRequest(
                service="billing",
                starts_at=clock.now() + timedelta(days=1),
                duration="1h",
                message="Billing moves",
            ),
            actor="user:ann",
            now=clock.now(),
        )
    page, body = status(client)
    assert [(w["service"], w["affected_services"]) for w in body["maintenance"]["active"]] == [
        ("records", ["portal"])
    ]
    assert [w["message"] for w in body["maintenance"]["upcoming"]] == ["Billing moves"]
    assert body["services"][0]["status"] == "maintenance"
    assert "Records are read-only (also affects portal)" in page
    assert "Reports rebuild" not in page
    windows = client.get("/api/v1/status/maintenance").json()
    assert [w["message"] for w in windows["active"] + windows["upcoming"]] == [
        "Records are read-only",
        "Billing moves",
    ]
