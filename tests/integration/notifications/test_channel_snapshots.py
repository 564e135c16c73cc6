"""The path the engine takes, end to end but for its loop: channels declared in a config file,
an escalation step's outbox rows for them (notifications.pages.notify_channel), and each row's
destination snapshot sent by the channel registry to a real receiver that checks its shape. The
snapshot keeps references; the send reads them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select

from onwatch.channels import registry
from onwatch.channels.base import Sent
from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Service
from onwatch.incidents.actions import open_incident
from onwatch.notifications.channels import list_channels
from onwatch.notifications.models import Notification
from onwatch.notifications.pages import notify_channel
from tests import shapes
from tests.adapters.channels.sample import notice
from tests.receivers import Request, receiving

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
CHECKS = {
    "/slack": shapes.slack,
    "/teams": shapes.teams,
    "/": shapes.ntfy,
    "/hook": shapes.standard_webhook(SECRET),
}


def by_path(request: Request) -> None:
    CHECKS[request.path](request)


def test_each_channels_outbox_row_is_sent_from_its_snapshot(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with receiving(by_path) as receiver:
        monkeypatch.setenv("OPS_SLACK_WEBHOOK", receiver.url + "slack")
        monkeypatch.setenv("OPS_TEAMS_WORKFLOW_URL", receiver.url + "teams")
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        monkeypatch.setenv("NTFY_TOKEN", "tk_abc123")
        config = f"""\
channels:
  - {{name: ops-slack, type: slack, url: "env:OPS_SLACK_WEBHOOK"}}
  - {{name: ops-teams, type: teams, url: "env:OPS_TEAMS_WORKFLOW_URL"}}
  - {{name: pager, type: ntfy, url: "{receiver.url}pager", token: "env:NTFY_TOKEN",
     rate_limit: {{max: 2, per: 1m}}}}
  - {{name: audit-hook, type: webhook, url: "{receiver.url}hook", secret: "env:HOOK_SECRET"}}
"""
        with db.transaction() as session:
            plan = apply(session, document.load(config), prune=False, actor="t", now=clock.now())
            assert plan.warnings == []
            session.add(Service(name="checkout"))
            session.flush()
            incident = open_incident(
                session, service_id=session.scalar(select(Service.id)), title="card payments",
                severity="sev1", now=clock.now(), actor="test",
            )  # fmt: skip
            for channel in list_channels(session):
                notify_channel(
                    session, incident_id=incident.id, channel_id=channel.id, urgency="high",
                    key=f"channel:{incident.id}:0:0:0", at=clock.now(), now=clock.now(),
                )  # fmt: skip
        with db.read() as session:
            rows = list(session.scalars(select(Notification).order_by(Notification.id)))
        assert "env:OPS_SLACK_WEBHOOK" in str([r.destination for r in rows])  # no value stored

        senders = registry.senders(Settings(data_dir=tmp_path), registry.http_client())
        outcomes = [
            registry.send(senders, notice(key=r.idempotency_key), r.destination) for r in rows
        ]

        got = receiver.take(4)
    assert all(isinstance(outcome, Sent) for outcome in outcomes), outcomes
    assert sorted(r.path for r in got) == ["/", "/hook", "/slack", "/teams"]
    [push] = [r for r in got if r.path == "/"]
    assert push.headers["authorization"] == "Bearer tk_abc123"
