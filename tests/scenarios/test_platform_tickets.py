"""Seed playbook 004: "each reported incident must be converted into a ticket and will be
prioritised based on severity". With the platform's example applied (its tracker pointed at a
GitHub-compatible tracker on loopback), the gateway's monitor opens an incident; the engine opens
an issue with the incident's priority label, the link shows on the incident (API and page), and
acknowledging and resolving it each add a comment to the issue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.incidents.models import Incident
from onwatch.tickets.models import TicketTracker
from tests import shapes
from tests.conftest import bearer
from tests.receivers import HttpReceiver, IssueTracker, issue_tracker
from tests.scenarios.paging import Pager, alert, apply_example, incident_of

REPOSITORY = "relay-platform/relay-incidents"  # as in the example
TOKEN = "ghp_scenarioTrackerToken0123456789"
PLATFORM = ("zainab", "piotr", "camille", "devendra", "sunniva")


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> Iterator[IssueTracker]:
    monkeypatch.setenv("RELAY_TRACKER_TOKEN", TOKEN)
    monkeypatch.setenv("RELAY_REPORT_TOKEN", "relay-intake-2c9d5e71f04b4a8e9b13")
    # The pages the incident sends are test_platform_report_form's subject: here Slack is a
    # sink that checks their shape and is not asked what it got.
    slack = HttpReceiver(shapes.slack)
    for handle in PLATFORM:
        monkeypatch.setenv(f"{handle.upper()}_SLACK_DM_URL", f"{slack.url}services/{handle}")
    try:
        with issue_tracker(REPOSITORY, TOKEN) as server:
            yield server
    finally:
        slack.close()
        slack.raise_problems()


def test_an_incident_opens_a_ticket_with_its_severitys_priority_label(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    tracker: IssueTracker, tokens: dict[str, str],
) -> None:  # fmt: skip
    keys = apply_example(db, "004-platform-rotation.yaml")
    with db.transaction() as session:  # the example's tracker, at the local one's address
        session.execute(update(TicketTracker).values(api_url=tracker.url.rstrip("/")))
    pager = Pager(db, clock, settings)
    alert(client, keys["gateway-monitor"], "Gateway 5xx above 20%", severity="critical")
    incident_id = incident_of(db, "relay-api")
    with db.read() as session:
        severity = session.get(Incident, incident_id).severity  # type: ignore[union-attr]
    assert severity == "sev1"

    pager.at(clock.now())
    [opened] = tracker.take(1)
    assert opened.path == f"/repos/{REPOSITORY}/issues"
    issue = opened.json()
    assert issue["labels"] == ["incident", "P1"]
    assert issue["title"] == "[sev1] relay-api: Gateway 5xx above 20%"
    assert f"http://testserver/incidents/{incident_id}" in issue["body"]

    viewer = bearer(tokens["viewer"])
    shown = client.get(f"/api/v1/incidents/{incident_id}/tickets", headers=viewer).json()
    [ticket] = shown["tickets"]
    assert (ticket["state"], ticket["number"], ticket["repository"]) == ("open", 1, REPOSITORY)
    assert ticket["url"] == f"{tracker.url}{REPOSITORY}/issues/1"

    responder = bearer(tokens["responder"])
    clock.advance(timedelta(minutes=4))
    acked = client.post(f"/api/v1/incidents/{incident_id}/acknowledge", headers=responder)
    assert acked.status_code == 200, acked.text
    pager.at(clock.now())
    [comment] = tracker.take(1)
    assert comment.path == f"/repos/{REPOSITORY}/issues/1/comments"
    assert comment.json()["body"].startswith("Acknowledged")

    clock.advance(timedelta(minutes=30))
    assert client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=responder).is_success
    pager.at(clock.now())
    pager.at(clock.now() + timedelta(minutes=1))  # nothing more: each change is told once
    [resolved] = tracker.take(1)
    assert resolved.json()["body"].startswith("Resolved")
    assert len(tracker.issues) == 1 and len(tracker.comments[1]) == 2


def test_the_ticket_link_shows_on_the_incident_page(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    tracker: IssueTracker, tokens: dict[str, str],
) -> None:  # fmt: skip
    keys = apply_example(db, "004-platform-rotation.yaml")
    with db.transaction() as session:
        session.execute(update(TicketTracker).values(api_url=tracker.url.rstrip("/")))
    alert(client, keys["gateway-monitor"], "Queue backlog growing", severity="warning")
    incident_id = incident_of(db, "relay-api")
    Pager(db, clock, settings).at(clock.now())
    tracker.take(1)
    page = client.get(f"/incidents/{incident_id}", headers=bearer(tokens["viewer"]))
    assert page.status_code == 200
    assert f'href="{tracker.url}{REPOSITORY}/issues/1"' in page.text
    assert f"{REPOSITORY}#1" in page.text
