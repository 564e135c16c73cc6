"""Escalation policies through the API and the pages, and the incident page's Escalation card:
whom each step would reach now, what fires next, and every notification with its state."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.notifications.models import Notification
from tests.adapters.web.test_pages import text_of
from tests.conftest import bearer
from tests.integration.escalation.helpers import engine, load, open_on

TUESDAY = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def test_the_api_lists_policies_with_whom_each_step_reaches_now(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    clock.set(TUESDAY)
    load(db, clock)
    listed = client.get("/api/v1/escalation-policies", headers=bearer(tokens["viewer"])).json()
    assert [p["name"] for p in listed] == ["gap-first", "main", "once", "turns"]
    main = client.get("/api/v1/escalation-policies/main", headers=bearer(tokens["viewer"]))
    assert main.status_code == 200
    body = main.json()
    assert (body["services"], body["ack_timeout"], body["repeat"]) == (
        ["api", "graded", "quiet"],
        "30m",
        0,
    )
    assert [(s["number"], s["delay"]) for s in body["steps"]] == [
        (1, "ack_deadline"),
        (2, "10m"),
        (3, "10m"),
    ]
    assert [(t["target"], t["reaches"]) for s in body["steps"] for t in s["targets"]] == [
        ("schedule pair/primary", "Bob Baker"),
        ("schedule pair/secondary", "Ann Archer"),
        ("team ops/tech_lead", "Cy Cole"),
        ("channel ops-mail", "ops-mail"),
    ]
    night = client.get("/api/v1/escalation-policies/gap-first", headers=bearer(tokens["viewer"]))
    assert night.json()["steps"][0]["targets"][0]["reaches"] == "Cy Cole"  # in business hours
    missing = client.get("/api/v1/escalation-policies/nope", headers=bearer(tokens["viewer"]))
    assert missing.status_code == 404 and "no escalation policy 'nope'" in missing.text
    assert client.get("/api/v1/escalation-policies").status_code == 401


def test_a_service_through_the_api_must_name_a_policy_that_exists(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    response = client.post(
        "/api/v1/services",
        json={"name": "new", "escalation_policy": "nope"},
        headers=bearer(tokens["admin"]),
    )
    assert response.status_code == 422
    assert "escalation_policy" in response.text and "no escalation policy 'nope'" in response.text
    assert client.get("/api/v1/services/new", headers=bearer(tokens["admin"])).status_code == 404


def test_the_policy_pages_show_steps_and_whom_they_reach(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    clock.set(TUESDAY + timedelta(hours=12))  # 22:00: the daytime schedule has nobody
    load(db, clock)
    headers = bearer(tokens["viewer"]) | {"accept": "text/html"}
    listed = client.get("/escalation-policies", headers=headers)
    assert listed.status_code == 200
    page = text_of(client.get("/escalation-policies/gap-first", headers=headers).text)
    assert "schedule daytime/primary → nobody now (no one on call for daytime/primary)" in page
    assert "team ops/commander → Dee Dunn" in page
    assert "snapshot of the policy taken when it opens" in page


def test_the_incident_page_shows_the_escalation_and_every_notification(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    clock.set(TUESDAY)
    load(db, clock)
    incident = open_on(db, "api", TUESDAY)
    engine(db, clock).tick(TUESDAY)
    with db.transaction() as session:
        [row] = session.scalars(select(Notification).where(Notification.incident_id == incident))
        row.attempts, row.last_error = 2, "451 try again later"
        row.rate_limited_until = TUESDAY + timedelta(minutes=4)
    headers = bearer(tokens["viewer"]) | {"accept": "text/html"}
    page = client.get(f"/incidents/{incident}", headers=headers).text
    card = text_of(page.split('id="escalation"')[1].split("</section>")[0])
    assert "main (high urgency)" in card
    assert "Step 1: Bob Baker (schedule pair/primary)" in card
    assert "Step 2 at 2026-03-10 14:15 UTC" in card  # the 15-minute business-hours deadline
    assert "schedule pair/secondary → Ann Archer" in card
    assert "later edits of it reach new incidents only" in card
    assert "Bob Baker by email" in card and "rate-limited until 14:04 UTC" in card
    assert "451 try again later" in card


def test_metrics_count_escalations_the_engine_is_late_for(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    clock.set(TUESDAY)
    load(db, clock)
    open_on(db, "api", TUESDAY)
    assert "onwatch_escalations_late 0.0" in client.get("/metrics").text
    clock.set(TUESDAY + timedelta(minutes=1))
    assert "onwatch_escalations_late 1.0" in client.get("/metrics").text
    engine(db, clock).tick()
    assert "onwatch_escalations_late 0.0" in client.get("/metrics").text
