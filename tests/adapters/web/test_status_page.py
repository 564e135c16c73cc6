"""The public status page: no login, impacted services and maintenance for users, and nothing
internal (no incident titles, no authors)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.maintenance import MaintenanceRequest, create_window
from onwatch.alerts.responding import acknowledge_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.incidents.models import Incident
from tests.adapters.web.test_pages import sign_in, text_of


def test_status_page_needs_no_login_and_says_all_is_well(client: TestClient) -> None:
    page = client.get("/status", follow_redirects=False)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "All services are working normally." in text and "No maintenance planned." in text
    assert "Log out" not in text


def test_status_page_shows_impact_and_maintenance_without_internal_details(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        put_service(
            session,
            ServiceSpec(name="rx", display_name="Prescriptions", public=True),
            actor="t",
            now=clock.now(),
        )
        put_service(
            session,
            ServiceSpec(name="records", controlled=False, display_name="Health records"),
            actor="t",
            now=clock.now(),
        )
        put_service(
            session,
            ServiceSpec(name="app", depends_on=["records"], public=True),
            actor="t",
            now=clock.now(),
        )
        ingest(
            session,
            [
                Routed(
                    get_service(session, "rx").id,
                    "rx",
                    AlertEvent(
                        action="trigger",
                        dedup_key="db",
                        summary="Postgres primary down on rx-db-7",
                        severity="critical",
                    ),
                )
            ],
            integration_id=None,
            now=clock.now(),
        )
        acknowledge_incident(
            session, session.scalar(select(Incident.id)), actor="user:ann", now=clock.now()
        )
        for start, message in (
            (timedelta(0), "Records are read-only"),
            (timedelta(days=2), "Upgrade of the records system"),
        ):
            create_window(
                session,
                MaintenanceRequest(
                    service="records", starts_at=clock.now() + start, duration="3h", message=message
                ),
                actor="user:ann",
                now=clock.now(),
            )
    text = text_of(client.get("/status").text)
    assert "Prescriptions: major disruption since 2026-03-02 14:00 UTC" in text
    assert (
        "Now, until 2026-03-02 17:00 UTC: Health records. Records are read-only (also affects app)"
    ) in text
    assert (
        "2026-03-04 14:00 UTC to 2026-03-04 17:00 UTC: Health records. "
        "Upgrade of the records system"
    ) in text
    assert "rx-db-7" not in text and "ann" not in text


def test_signed_in_people_find_the_status_page_in_the_bar(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    sign_in(client, db, clock)
    home = client.get("/")
    assert 'href="/status"' in home.text
    assert 'href="/silences"' in home.text and 'href="/maintenance"' in home.text
