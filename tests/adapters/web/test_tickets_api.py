"""An incident's tickets through the API, the page and the CLI: listed for viewers, opened by
hand by responders (the engine makes the call; nothing reaches a tracker here); bad input
answered with its status and nothing stored; the config refuses a bad tracker naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Service
from onwatch.incidents import actions as incidents
from onwatch.notifications.models import Notification
from onwatch.tickets.models import Ticket
from tests.conftest import bearer

TRACKER = """\
ticket_trackers:
  - team: payments
    api_url: https://tracker.example.org/api/v1
    repository: acme/incidents
    token: env:ACME_TRACKER_TOKEN
    labels: [incident]
    priority_labels: {sev1: P1}
    open_for: [sev1]
"""
BASE = """\
version: 1
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
teams:
  - {name: payments, members: [ann]}
  - {name: ledger, members: [ann]}
services:
  - {name: checkout, team: payments}
  - {name: books, team: ledger}
"""


def configure(db: Database, clock: FakeClock, text: str = BASE + TRACKER) -> None:
    doc = document.load(text, "test")
    assert doc.errors == []
    with db.transaction() as session:
        apply(session, doc, prune=False, actor="test", now=clock.now())


def incident_on(db: Database, clock: FakeClock, service: str, severity: str = "sev3") -> int:
    with db.transaction() as session:
        found = session.scalars(select(Service).where(Service.name == service)).one()
        return incidents.open_incident(
            session, service_id=found.id, title="Ledger drift", severity=severity,
            now=clock.now(), actor="test",
        ).id  # fmt: skip


def counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Ticket)) or 0,
            session.scalar(select(func.count()).select_from(Notification)) or 0,
        )


def test_a_responder_opens_a_ticket_by_hand_for_a_severity_not_ticketed_by_itself(
    db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    configure(db, clock)
    incident_id = incident_on(db, clock, "checkout", "sev3")  # open_for is sev1 only
    path = f"/api/v1/incidents/{incident_id}/tickets"
    shown = client.get(path, headers=bearer(tokens["viewer"])).json()
    assert shown == {"incident_id": incident_id, "tracker": "acme/incidents", "tickets": []}
    assert client.post(path, headers=bearer(tokens["viewer"])).status_code == 403

    opened = client.post(path, headers=bearer(tokens["responder"]))
    assert opened.status_code == 202, opened.text
    [ticket] = opened.json()["tickets"]
    assert (ticket["state"], ticket["number"], ticket["url"]) == ("opening", None, None)
    with db.read() as session:
        row = session.scalars(select(Notification)).one()
        assert (row.kind, row.state, row.incident_id) == ("ticket", "pending", None)
        assert row.destination == {
            "kind": "github", "url": "https://tracker.example.org/api/v1",
            "repository": "acme/incidents", "token": "env:ACME_TRACKER_TOKEN",
        }  # fmt: skip
        assert row.payload["labels"] == ["incident"]  # no priority label for sev3

    again = client.post(path, headers=bearer(tokens["responder"]))
    assert again.status_code == 409
    assert counts(db) == (1, 1)


def test_bad_requests_store_nothing(
    db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    configure(db, clock)
    responder = bearer(tokens["responder"])
    unknown = client.post("/api/v1/incidents/999999/tickets", headers=responder)
    assert unknown.status_code == 404
    assert client.get("/api/v1/incidents/999999/tickets", headers=responder).status_code == 404
    no_tracker = incident_on(db, clock, "books")
    refused = client.post(f"/api/v1/incidents/{no_tracker}/tickets", headers=responder)
    assert refused.status_code == 409
    assert "no ticket tracker" in refused.text
    assert counts(db) == (0, 0)


def test_the_page_offers_the_button_to_responders_only(
    db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    configure(db, clock)
    incident_id = incident_on(db, clock, "checkout")
    page = client.get(f"/incidents/{incident_id}", headers=bearer(tokens["responder"]))
    assert page.status_code == 200
    assert "No ticket yet in acme/incidents" in page.text
    assert f'action="/incidents/{incident_id}/tickets"' in page.text
    viewer = client.get(f"/incidents/{incident_id}", headers=bearer(tokens["viewer"]))
    assert f'action="/incidents/{incident_id}/tickets"' not in viewer.text


def test_the_cli_opens_and_lists_an_incidents_ticket(db: Database, clock: FakeClock) -> None:
    configure(db, clock)
    incident_id = incident_on(db, clock, "checkout")
    env = {"ONWATCH_DATABASE_URL": db.url}
    runner = CliRunner()
    opened = runner.invoke(cli, ["incidents", "ticket", str(incident_id), "--open"], env=env)
    assert opened.exit_code == 0, opened.output
    assert "opening  acme/incidents (no number yet)" in opened.output
    shown = runner.invoke(cli, ["incidents", "ticket", str(incident_id), "--json"], env=env)
    assert '"state": "opening"' in shown.output
    again = runner.invoke(cli, ["incidents", "ticket", str(incident_id), "--open"], env=env)
    assert again.exit_code == 5
    assert runner.invoke(cli, ["incidents", "ticket", "999999"], env=env).exit_code == 4


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("repository", "not a repo", "ticket_trackers[0].repository: must be owner/name"),
        ("token", "ghp_pastedTheValue", "ticket_trackers[0].token: is a secret"),
        ("api_url", "ftp://tracker", "ticket_trackers[0].api_url: must be an http or https"),
    ],
)
def test_a_bad_tracker_is_refused_naming_its_field(
    db: Database, tmp_path: Path, field: str, value: str, said: str
) -> None:
    text = BASE + TRACKER.replace(
        next(line for line in TRACKER.splitlines() if line.strip().startswith(f"{field}:")),
        f"    {field}: {value}",
    )
    path = tmp_path / "org.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["apply", "-f", str(path)],
                                env={"ONWATCH_DATABASE_URL": db.url})  # fmt: skip
    assert result.exit_code == 3
    assert said in result.output
    assert counts(db) == (0, 0)


def test_a_tracker_without_a_token_is_refused_naming_the_field() -> None:
    doc = document.load(BASE + TRACKER.replace("    token: env:ACME_TRACKER_TOKEN\n", ""), "t")
    assert [str(e) for e in doc.errors if "ticket_trackers" in str(e)] == [
        "ticket_trackers[0].token: required, but missing"
    ]
