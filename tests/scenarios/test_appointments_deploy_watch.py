"""Seed playbook 000's active monitoring: after a production deploy its developer watches the
errors of the release. The deploy is recorded; a new error in that release within the watch
window is e-mailed to the deployer once, an error after the window is not; and the error issue
feeds the evidence bundle of the escalation runbook (three samples, the event total, the unique
client IPs), as JSON and as Markdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.errors import keys
from onwatch.errors.models import ErrorIssue
from tests import shapes
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.conftest import bearer
from tests.receivers import receiving
from tests.scenarios.paging import Mailer, Pager, apply_example, quiet

RELEASE = "booking-api@4.2.0"
FRAMEWORK = "https://scheduling.example.net/appointments/v1"


def send(
    client: TestClient, dsn: tuple[int, str], at: datetime, function: str, ip: str, n: int
) -> None:
    """An event as the SDK sends it through the real intake, at `at` on the fake clock."""
    event = exception_event(
        function=function, module="booking.views", release=RELEASE,
        timestamp=at.isoformat().replace("+00:00", "Z"),
        request={"url": f"{FRAMEWORK}/slots?clinic=98{n}", "method": "GET",
                 "env": {"REMOTE_ADDR": ip}},
        user={"id": f"patient-{n}", "ip_address": ip},
        extra={"error_id": f"VAMF-200{n}"},
    )  # fmt: skip
    project_id, public_key = dsn
    answer = client.post(
        f"/api/{project_id}/envelope/", content=event_envelope(event), headers=auth(public_key)
    )
    assert answer.status_code == 200, answer.text


def text_of(mail: Any) -> str:
    return mail.message.get_body(("plain",)).get_content()  # type: ignore[no-any-return]


def test_a_new_error_in_the_release_within_the_window_is_mailed_to_the_deployer_once(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    tokens: dict[str, str], mailer: Mailer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)
    responder, viewer = bearer(tokens["responder"]), bearer(tokens["viewer"])
    with receiving(shapes.slack) as slack:
        monkeypatch.setenv("APPOINTMENTS_SLACK_WEBHOOK_URL", f"{slack.url}services/appointments")
        apply_example(db, "000-appointments.yaml")
        clock.set(at - timedelta(hours=1))
        with db.transaction() as session:
            key = keys.create_key(session, service="booking-api", actor="test", now=clock.now())
            dsn = (key.service_id, key.public_key)
        pager = Pager(db, clock, settings, mailer)

        clock.set(at)
        recorded = client.post(
            "/api/v1/deploys",
            json={"service": "booking-api", "release": RELEASE, "deployer": "ines"},
            headers=responder,
        )
        assert recorded.status_code == 201, recorded.text
        deploy = recorded.json()["id"]

        for n, ip in enumerate(("203.0.113.10", "203.0.113.11", "203.0.113.12"), 1):
            clock.set(at + timedelta(minutes=4 + n))
            send(client, dsn, clock.now(), "book_slot", ip, n)
        pager.at(at + timedelta(minutes=10))
        [mail] = mailer.take(1)
        assert mail.message["To"] == "ines@example.org"
        with db.read() as session:
            [issue] = session.scalars(select(ErrorIssue))
            title, issue_id = issue.title, issue.id
        assert title in mail.message["Subject"]
        body = text_of(mail)
        assert "Events in the release since the deploy: 3" in body
        assert f"/errors/{issue_id}" in body

        pager.at(at + timedelta(minutes=40))  # the same issue again: told once
        send(client, dsn, at + timedelta(minutes=40), "book_slot", "203.0.113.10", 1)
        pager.at(at + timedelta(minutes=41))
        quiet(mailer)

        # After the two-hour window: a new error in the same release is not the deploy's.
        clock.set(at + timedelta(hours=2, minutes=5))
        send(client, dsn, clock.now(), "cancel_appointment", "203.0.113.20", 4)
        pager.at(at + timedelta(hours=2, minutes=10))
        quiet(mailer, slack)
        shown = client.get(f"/api/v1/deploys/{deploy}", headers=viewer).json()
        assert [(f["kind"], f["issue_id"]) for f in shown["findings"]] == [("new", issue_id)]
        assert shown["watched_at"] is not None
        assert shown["summary"] == {"new": 1, "regressed": 0, "rate": 0, "events": 4}
        listed = client.get("/api/v1/deploys", params={"service": "booking-api"}, headers=viewer)
        assert [d["id"] for d in listed.json()] == [deploy]


def test_an_error_issue_feeds_an_evidence_bundle_with_samples_total_and_unique_ips(
    db: Database, client: TestClient, clock: FakeClock, tokens: dict[str, str],
    mailer: Mailer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)
    viewer = bearer(tokens["viewer"])
    monkeypatch.setenv("APPOINTMENTS_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/unused")
    apply_example(db, "000-appointments.yaml")
    clock.set(at)
    with db.transaction() as session:
        key = keys.create_key(session, service="booking-api", actor="test", now=clock.now())
        dsn = (key.service_id, key.public_key)
    ips = ("203.0.113.10", "203.0.113.11", "203.0.113.10", "203.0.113.12")
    for n, ip in enumerate(ips, 1):
        clock.set(at + timedelta(minutes=n))
        send(client, dsn, clock.now(), "book_slot", ip, n)
    with db.read() as session:
        [issue_id] = session.scalars(select(ErrorIssue.id))

    url = f"/api/v1/errors/issues/{issue_id}/evidence"
    doc = client.get(url, params={"samples": 3}, headers=viewer).json()
    assert doc["error_issue"]["id"] == issue_id and "incident" not in doc
    assert (doc["total_events"], doc["unique_client_ips"]) == (4, 3)
    assert len(doc["samples"]) == 3
    for sample in doc["samples"]:
        assert sample["url"].startswith(f"{FRAMEWORK}/slots?clinic=98")
        assert sample["error_id"].startswith("VAMF-200")
        assert sample["payload"]["exception"]["values"][0]["type"] == "ValueError"
    assert doc["samples"][0]["at"] == (at + timedelta(minutes=2)).isoformat()

    markdown = client.get(url, params={"format": "md"}, headers=viewer).text
    assert markdown.startswith(f"# Evidence: error issue #{issue_id}")
    assert "- Total events: 4" in markdown
    assert "- Unique client IPs: 3" in markdown
    assert markdown.count("- Error id: VAMF-200") == 4
    quiet(mailer)
