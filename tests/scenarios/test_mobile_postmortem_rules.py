"""Seed playbook 001's post-mortem rules, end to end: the app's incident used a runbook, hit more
than a significant share of users and needed another team, so a post-mortem is required and the
incident names those reasons (API and page); the product owner is e-mailed once. Closing is
refused with the reasons and nothing stored, until the post-mortem is waived with a reason or
published. An incident still open past the team's duration threshold comes to require one too,
noticed by the engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from tests import shapes
from tests.conftest import bearer
from tests.integration.escalation.helpers import timeline
from tests.receivers import HttpReceiver, receiving
from tests.scenarios.paging import Mailer, Pager, alert, apply_example, incident_of, quiet

NY = ZoneInfo("America/New_York")
SATURDAY = datetime(2026, 3, 14, 10, 0, tzinfo=NY)  # outside coverage: nobody is paged
REASONS = [
    "a runbook was used",
    "more than 10% of users were affected",
    "another team had to act",
]


@pytest.fixture
def teams(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    with receiving(shapes.teams) as server:
        for handle in ("henrik", "lena", "rafael", "kaito"):
            monkeypatch.setenv(f"{handle.upper()}_TEAMS_URL", f"{server.url}workflows/{handle}")
        yield server


def _opened(db: Database, client: TestClient, clock: FakeClock, pager: Pager) -> int:
    keys = apply_example(db, "001-mobile.yaml")
    clock.set(SATURDAY)
    alert(client, keys["app-monitor"], "Claims screen fails for most users", "error")
    incident = incident_of(db, "mobile-app")
    pager.at(SATURDAY)
    return incident


def _told_product_owner(mailer: Mailer, incident: int) -> str:
    [mail] = mailer.take(1)
    assert mail.message["To"] == "marisol@example.org"
    assert mail.message["Subject"] == f"Post-mortem required: incident #{incident}"
    return mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_post_mortem_rules_name_their_reasons_and_closing_waits_for_a_waiver(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    tokens: dict[str, str], teams: HttpReceiver, mailer: Mailer,
) -> None:  # fmt: skip
    responder = bearer(tokens["responder"])
    pager = Pager(db, clock, settings, mailer)
    incident = _opened(db, client, clock, pager)
    quiet(teams, mailer)

    clock.set(SATURDAY + timedelta(minutes=20))
    stated = client.put(
        f"/api/v1/incidents/{incident}/impact",
        json={"users_share": 35, "runbook_used": True, "other_team_acted": True},
        headers=responder,
    )
    assert stated.status_code == 200, stated.text
    pager.at(SATURDAY + timedelta(minutes=21))
    text = _told_product_owner(mailer, incident)
    assert all(reason in text for reason in REASONS)
    quiet(teams, mailer)

    resolved = client.post(f"/api/v1/incidents/{incident}/resolve", headers=responder)
    assert resolved.status_code == 200, resolved.text
    shown = client.get(f"/api/v1/incidents/{incident}", headers=bearer(tokens["viewer"])).json()
    found = shown
    assert (found["postmortem_required"], found["postmortem_reasons"]) == (True, REASONS)
    page = client.get(f"/incidents/{incident}", headers=responder)
    assert page.status_code == 200
    assert all(f"<li>{reason}</li>" in page.text for reason in REASONS)
    assert "Waive with a reason" in page.text
    assert timeline(db, incident, "postmortem_required") == [
        f"Post-mortem required: {reason}" for reason in REASONS
    ]
    assert timeline(db, incident, "postmortem_notice") == [
        "Told Marisol Quintero (product_owner of the team) that a post-mortem is required"
    ]

    # Closing with the post-mortem missing: a 409 naming the reasons, and nothing stored.
    refused = client.post(f"/api/v1/incidents/{incident}/close", headers=responder)
    assert refused.status_code == 409, refused.text
    assert all(reason in refused.text for reason in REASONS)
    after = client.get(f"/api/v1/incidents/{incident}", headers=responder).json()
    assert after == shown  # status, timeline and all: nothing stored
    assert after["status"] == "resolved"

    blank = client.post(
        f"/api/v1/incidents/{incident}/postmortem/waive", json={"reason": " "}, headers=responder
    )
    assert blank.status_code == 422, blank.text
    assert "reason" in blank.text
    waived = client.post(
        f"/api/v1/incidents/{incident}/postmortem/waive",
        json={"reason": "The same fault as last week's, written up there"},
        headers=responder,
    )
    assert waived.status_code == 200, waived.text
    closed = waived.json()["incident"]
    assert (closed["status"], closed["postmortem_state"]) == ("closed", "waived")
    assert closed["postmortem_waiver"] == "The same fault as last week's, written up there"
    pager.at(SATURDAY + timedelta(minutes=40))
    quiet(teams, mailer)  # the product owner was told once


def test_a_long_incident_comes_to_require_one_and_publishing_closes_it(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    tokens: dict[str, str], teams: HttpReceiver, mailer: Mailer,
) -> None:  # fmt: skip
    responder = bearer(tokens["responder"])
    pager = Pager(db, clock, settings, mailer)
    incident = _opened(db, client, clock, pager)
    pager.at(SATURDAY + timedelta(hours=4))
    quiet(teams, mailer)  # 4h is not longer than 4h
    pager.at(SATURDAY + timedelta(hours=4, minutes=1))
    assert "it lasted longer than 4h" in _told_product_owner(mailer, incident)

    clock.set(SATURDAY + timedelta(hours=5))
    assert client.post(f"/api/v1/incidents/{incident}/resolve", headers=responder).is_success
    published = client.post(f"/api/v1/incidents/{incident}/postmortem/publish", headers=responder)
    assert published.status_code == 200, published.text
    found = client.get(f"/api/v1/incidents/{incident}", headers=responder).json()
    assert (found["status"], found["postmortem_state"]) == ("closed", "published")
    assert found["postmortem_reasons"] == ["it lasted longer than 4h"]
    pager.at(SATURDAY + timedelta(hours=6))
    quiet(teams, mailer)
