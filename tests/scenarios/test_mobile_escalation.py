"""Seed playbook 001's paging, end to end: the team answers only in business hours (Monday to
Friday, 9 am Eastern to 5 pm Pacific), so the app monitor's low-urgency alert on a Friday
evening reaches nobody until coverage begins on Monday at 09:00 Eastern. Then the week's
on-call engineer and the incident commander are each told once in their Teams chat (an
Adaptive Card through a Workflows webhook), by their low-urgency rule: no e-mail, no
escalation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.schedules.lookups import on_call_at
from tests import shapes
from tests.integration.escalation.helpers import timeline
from tests.receivers import HttpReceiver, receiving
from tests.scenarios.paging import Mailer, Pager, alert, apply_example, incident_of, quiet

NY = ZoneInfo("America/New_York")


@pytest.fixture
def teams(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    """Teams, behind each engineer's Workflows webhook (a secret in the example)."""
    with receiving(shapes.teams) as server:
        for handle in ("henrik", "lena", "rafael", "kaito"):
            monkeypatch.setenv(f"{handle.upper()}_TEAMS_URL", f"{server.url}workflows/{handle}")
        yield server


def test_a_friday_evening_incident_waits_for_monday_morning(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    teams: HttpReceiver, mailer: Mailer,
) -> None:  # fmt: skip
    friday = datetime(2026, 3, 13, 20, 0, tzinfo=NY)
    monday = datetime(2026, 3, 16, 9, 0, tzinfo=NY)
    keys = apply_example(db, "001-mobile.yaml")
    clock.set(friday)
    alert(client, keys["app-monitor"], "Crash rate above 2% on Android", "warning")
    incident = incident_of(db, "mobile-app")
    pager = Pager(db, clock, settings, mailer)
    pager.at(friday)
    assert timeline(db, incident, "escalation")[-1] == (
        "Low urgency outside the service's hours: held until Mon 2026-03-16 09:00 EDT"
    )
    pager.at(friday + timedelta(hours=12))
    # Open longer than the team's 4h: a post-mortem is required, and the product owner is told
    # (by e-mail, at once: a notice is not a page held for coverage), once.
    [told] = mailer.take(1)
    assert (told.message["To"], told.message["Subject"]) == (
        "marisol@example.org",
        f"Post-mortem required: incident #{incident}",
    )
    pager.at(monday - timedelta(seconds=1))
    quiet(teams, mailer)

    pager.at(monday)
    with db.read() as session:
        [on_call] = on_call_at(session, "mobile-on-call", monday, "primary")
    assert on_call.holder not in (None, "lena")
    cards = teams.take(2)
    assert sorted(card.path for card in cards) == sorted(
        [f"/workflows/{on_call.holder}", "/workflows/lena"]
    )
    for card in cards:
        content = card.json()["attachments"][0]["content"]
        assert "Crash rate above 2% on Android" in str(content["body"])
    quiet(mailer)
    for hours in (1, 3, 24):  # low urgency never escalates
        pager.at(monday + timedelta(hours=hours))
        quiet(teams, mailer)
