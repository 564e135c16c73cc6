"""Seed playbook 000's paging, end to end: the team keeps no on-call schedule, so the SLI
monitor's alert on the appointments API is posted once to the team's Slack channel (Block Kit
at its incoming webhook), with a link to the incident and no personal ack links; nobody is
paged, and nothing more arrives."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from tests import shapes
from tests.receivers import receiving
from tests.scenarios.paging import BASE, Mailer, Pager, alert, apply_example, incident_of, quiet

NY = ZoneInfo("America/New_York")


def test_with_no_schedule_the_teams_slack_channel_gets_it(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings, mailer: Mailer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 11, 14, 20, tzinfo=NY)
    with receiving(shapes.slack) as slack:
        monkeypatch.setenv("APPOINTMENTS_SLACK_WEBHOOK_URL", f"{slack.url}services/appointments")
        keys = apply_example(db, "000-appointments.yaml")
        clock.set(at)
        alert(client, keys["sli-monitor"], "Booking latency above 8 seconds", "error")
        incident = incident_of(db, "booking-api")
        pager = Pager(db, clock, settings, mailer)
        pager.at(at)
        [message] = slack.take(1)
        assert message.path == "/services/appointments"
        body = message.json()
        assert "Booking latency above 8 seconds" in body["text"]
        urls = [e["url"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert urls == [f"{BASE}/incidents/{incident}"]  # a channel reaches no one in particular
        for minutes in (29, 30, 120, 24 * 60):
            pager.at(at + timedelta(minutes=minutes))
            quiet(slack, mailer)
