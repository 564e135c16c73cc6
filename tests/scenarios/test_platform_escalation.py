"""Seed playbook 004's paging, end to end: the gateway monitor's alert pages the sprint's
primary, then its secondary (the next sprint's primary), then the platform's tech lead, ten
minutes apart, and the policy runs once more; each page is a Block Kit message at the person's
own Slack webhook, with acknowledge and resolve buttons."""

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
from tests.receivers import HttpReceiver, receiving
from tests.scenarios.paging import BASE, Mailer, Pager, alert, apply_example, quiet

NY = ZoneInfo("America/New_York")
PLATFORM = ("zainab", "piotr", "camille", "devendra", "sunniva")


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    """Slack, behind each engineer's own incoming webhook (a secret in the example)."""
    with receiving(shapes.slack) as server:
        for handle in PLATFORM:
            monkeypatch.setenv(f"{handle.upper()}_SLACK_DM_URL", f"{server.url}services/{handle}")
        yield server


def test_the_sprints_primary_then_its_secondary(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    slack: HttpReceiver, mailer: Mailer,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 12, 15, 0, tzinfo=NY)
    keys = apply_example(db, "004-platform-rotation.yaml")
    with db.read() as session:
        primary, secondary = (
            on_call_at(session, "relay-on-call", at, role)[0].holder
            for role in ("primary", "secondary")
        )
    assert primary != secondary
    clock.set(at)
    alert(client, keys["gateway-monitor"], "Gateway answers 502 to every partner", "critical")
    pager = Pager(db, clock, settings, mailer)

    expected = [primary, secondary, "zainab"] * 2  # the policy runs twice over
    for n, whom in enumerate(expected):
        step = at + timedelta(minutes=10 * n)
        pager.at(step - timedelta(seconds=1))
        quiet(slack, mailer)
        pager.at(step)
        [message] = slack.take(1)
        assert message.path == f"/services/{whom}"
        body = message.json()
        assert "Gateway answers 502 to every partner" in body["text"]
        [buttons] = [b for b in body["blocks"] if b["type"] == "actions"]
        urls = [e["url"] for e in buttons["elements"]]
        assert any(u.startswith(f"{BASE}/l/ack/") for u in urls), urls
        quiet(mailer)
    for minutes in (60, 70, 24 * 60):  # the policy is done: nobody else is paged
        pager.at(at + timedelta(minutes=minutes))
        quiet(slack, mailer)
