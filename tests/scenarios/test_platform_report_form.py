"""Seed playbook 004's "report an incident" workflow, end to end: with the platform's example
applied, a partner engineer opens the intake link (its token in the query), reports what they
see, and gets an incident number; the sprint's primary is paged in Slack through relay-paging,
with the partner's words on the incident; acknowledged from the page's button, nothing else
arrives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.incidents.models import Incident, IncidentImpact, TimelineEntry
from onwatch.schedules.lookups import on_call_at
from tests import shapes
from tests.receivers import HttpReceiver, receiving
from tests.scenarios.paging import BASE, Mailer, Pager, apply_example, press, quiet

NY = ZoneInfo("America/New_York")
PLATFORM = ("zainab", "piotr", "camille", "devendra", "sunniva")
TOKEN = "relay-intake-2c9d5e71f04b4a8e9b13"


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    """Slack, behind each engineer's own incoming webhook (a secret in the example)."""
    with receiving(shapes.slack) as server:
        for handle in PLATFORM:
            monkeypatch.setenv(f"{handle.upper()}_SLACK_DM_URL", f"{server.url}services/{handle}")
        yield server


def test_a_partners_report_pages_the_sprints_primary(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    slack: HttpReceiver, mailer: Mailer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 12, 15, 0, tzinfo=NY)
    monkeypatch.setenv("RELAY_REPORT_TOKEN", TOKEN)
    apply_example(db, "004-platform-rotation.yaml")
    with db.read() as session:
        [primary] = on_call_at(session, "relay-on-call", at, "primary")
    clock.set(at)
    pager = Pager(db, clock, settings, mailer)

    assert client.get("/report/partner-intake").status_code == 403  # the link without its token
    form = client.get(f"/report/partner-intake?token={TOKEN}")
    assert form.status_code == 200
    assert "Report a Relay platform incident" in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    sent = client.post(
        "/report/partner-intake",
        data={
            "csrf_token": csrf.group(1),
            "token": TOKEN,
            "name": "Mateo Rossi",
            "email": "mateo@example.com",
            "service": "relay-api",
            "what": "Claim insights cannot reach the gateway\nEvery call since 14:50 times out.",
            "users": "35%",
        },
    )
    assert sent.status_code == 200, sent.text
    with db.read() as session:
        incident = session.scalars(select(Incident)).one()
        assert f"incident {incident.id}" in sent.text
        assert (incident.severity, incident.title) == (
            "sev2", "Claim insights cannot reach the gateway",
        )  # fmt: skip
        report = session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind == "report")
        ).one()  # fmt: skip
        assert report.actor == "report:partner-intake"
        assert "Mateo Rossi <mateo@example.com>" in report.text
        assert session.get_one(IncidentImpact, incident.id).users_share == 35.0

    pager.at(at)
    [page] = slack.take(1)
    assert page.path == f"/services/{primary.holder}"
    assert "Claim insights cannot reach the gateway" in page.json()["text"]
    quiet(slack, mailer)
    pager.at(at + timedelta(minutes=10) - timedelta(seconds=1))
    quiet(slack, mailer)

    [buttons] = [b for b in page.json()["blocks"] if b["type"] == "actions"]
    [ack] = [e["url"] for e in buttons["elements"] if e["url"].startswith(f"{BASE}/l/ack/")]
    press(client, ack.removeprefix(BASE))
    for minutes in (10, 20, 30, 24 * 60):  # acknowledged: nobody else is paged
        pager.at(at + timedelta(minutes=minutes))
        quiet(slack, mailer)
