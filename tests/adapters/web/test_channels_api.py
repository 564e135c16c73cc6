"""GET /api/v1/channels: every channel for a viewer, and where their secrets live (references,
never values; onwatch holds no secret) only for an admin."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from tests.conftest import bearer

CHANNELS = """\
channels:
  - {name: ops-mail, type: email, to: [ops@example.org]}
  - {name: ops-slack, type: slack, url: "env:OPS_SLACK_WEBHOOK", rate_limit: {max: 1, per: 1s}}
  - {name: pager, type: ntfy, url: "https://ntfy.example.org/pager", token: "env:NTFY_TOKEN"}
"""


def declare(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        apply(session, document.load(CHANNELS), prune=False, actor="test", now=clock.now())


def test_an_admin_sees_each_channel_with_its_references(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    declare(db, clock)
    response = client.get("/api/v1/channels", headers=bearer(tokens["admin"]))
    assert response.status_code == 200
    assert response.json() == [
        {"name": "ops-mail", "type": "email", "to": ["ops@example.org"], "url": None,
         "secret": None, "token": None, "hidden": [], "rate_limit": None},
        {"name": "ops-slack", "type": "slack", "to": None, "url": "env:OPS_SLACK_WEBHOOK",
         "secret": None, "token": None, "hidden": [], "rate_limit": {"max": 1, "per": "1s"}},
        {"name": "pager", "type": "ntfy", "to": None, "url": "https://ntfy.example.org/pager",
         "secret": None, "token": "env:NTFY_TOKEN", "hidden": [], "rate_limit": None},
    ]  # fmt: skip


def test_a_viewer_sees_the_channels_but_not_where_their_secrets_live(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    declare(db, clock)
    for role in ("viewer", "responder"):
        listed = client.get("/api/v1/channels", headers=bearer(tokens[role])).json()
        assert [(c["name"], c["url"], c["token"], c["hidden"]) for c in listed] == [
            ("ops-mail", None, None, []),
            ("ops-slack", None, None, ["url"]),
            ("pager", None, None, ["url", "token"]),
        ]
        assert listed[0]["to"] == ["ops@example.org"]
    assert client.get("/api/v1/channels").status_code == 401
