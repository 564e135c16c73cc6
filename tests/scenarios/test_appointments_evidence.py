"""Seed playbook 000's escalation to the scheduling framework, end to end: the SLI monitor's
alerts on the appointments API carry the framework URL that failed, the error payload with the
framework's error id, and the client's address. The responder marks the incident as the
framework's outage with the support (MAPSUP) ticket, and the evidence bundle of the runbook
comes out of those alerts' events: three sample failures (timestamp, URL, payload, error id),
the total number of events in the window and the unique client IPs, as JSON and as Markdown.
Attached to the upstream report, it is kept at a stable URL and e-mailed with both files to
the framework's support desk."""

from __future__ import annotations

import json
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
from tests.receivers import receiving
from tests.scenarios.paging import Mailer, Pager, apply_example, incident_of, quiet

NY = ZoneInfo("America/New_York")
TICKET = "https://support.example.net/browse/MAPSUP-1234"
FRAMEWORK = "https://scheduling.example.net/appointments/v1"


def failing(client: TestClient, key: str, dedup: str, path: str, error_id: str, ip: str) -> None:
    """The monitor's alert as the generic intake takes it, the framework's answer in details."""
    body = {
        "dedup_key": dedup,
        "summary": f"Scheduling framework call failed: {path}",
        "severity": "error",
        "labels": {"monitor": "circuit-breaker"},
        "details": {
            "request": {"url": f"{FRAMEWORK}{path}", "method": "GET"},
            "response": {"status": 502, "body": {"errors": [{"id": error_id, "code": "VAMF502"}]}},
            "error_id": error_id,
            "headers": {"X-Forwarded-For": f"{ip}, 10.8.0.4"},
        },
    }
    answer = client.post(f"/api/v1/intake/generic/{key}", json=body)
    assert answer.status_code < 300, answer.text


def test_the_evidence_bundle_holds_three_samples_the_event_total_and_unique_ips(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    tokens: dict[str, str], mailer: Mailer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 11, 14, 0, tzinfo=NY)
    responder, viewer = bearer(tokens["responder"]), bearer(tokens["viewer"])
    with receiving(shapes.slack) as slack:
        monkeypatch.setenv("APPOINTMENTS_SLACK_WEBHOOK_URL", f"{slack.url}services/appointments")
        keys = apply_example(db, "000-appointments.yaml")
        key = keys["sli-monitor"]
        clock.set(at)
        failing(client, key, "slots", "/slots?clinic=983", "VAMF-1001", "203.0.113.10")
        clock.set(at + timedelta(minutes=1))
        failing(client, key, "slots", "/slots?clinic=984", "VAMF-1002", "203.0.113.11")
        clock.set(at + timedelta(minutes=2))  # the same again: a repeat, counted, no new row
        failing(client, key, "slots", "/slots?clinic=984", "VAMF-1002", "203.0.113.11")
        clock.set(at + timedelta(minutes=3))
        failing(client, key, "cancel", "/appointments/77/cancel", "VAMF-1003", "203.0.113.10")
        incident = incident_of(db, "booking-api")
        pager = Pager(db, clock, settings, mailer)
        pager.at(at + timedelta(minutes=3))
        slack.take(1)  # the team's channel hears about it once

        clock.set(at + timedelta(minutes=10))
        marked = client.put(
            f"/api/v1/incidents/{incident}/upstream",
            json={"service": "clinic-scheduling-framework", "url": TICKET},
            headers=responder,
        )
        assert marked.status_code == 200, marked.text
        assert [p["handle"] for p in marked.json()["told"]] == ["framework-desk"]
        pager.at(at + timedelta(minutes=10))
        [notice] = mailer.take(1)
        assert notice.message["To"] == "framework-support@example.net"
        assert TICKET in notice.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

        window = {"since": at.isoformat(), "until": (at + timedelta(minutes=10)).isoformat()}
        asked = client.get(f"/api/v1/incidents/{incident}/evidence", params=window, headers=viewer)
        assert asked.status_code == 200, asked.text
        doc = asked.json()
        assert doc["total_events"] == 4
        assert doc["unique_client_ips"] == 2
        assert len(doc["samples"]) == 3
        assert [s["error_id"] for s in doc["samples"]] == ["VAMF-1001", "VAMF-1002", "VAMF-1003"]
        first = doc["samples"][0]
        assert first["url"] == f"{FRAMEWORK}/slots?clinic=983"
        assert first["at"] == at.astimezone(ZoneInfo("UTC")).isoformat()
        assert first["payload"]["details"]["response"]["status"] == 502
        assert doc["upstream"] == {"service": "clinic-scheduling-framework", "url": TICKET}

        markdown = client.get(
            f"/api/v1/incidents/{incident}/evidence",
            params={**window, "format": "md"},
            headers=viewer,
        ).text
        assert "- Total events: 4" in markdown
        assert "- Unique client IPs: 2" in markdown
        assert markdown.count("- Error id: VAMF-") == 3
        assert f"- URL: {FRAMEWORK}/appointments/77/cancel" in markdown

        kept = client.post(f"/api/v1/incidents/{incident}/evidence", json=window, headers=responder)
        assert kept.status_code == 201, kept.text
        bundle = kept.json()
        assert bundle["url"].endswith(f"/incidents/{incident}/evidence/{bundle['id']}")
        assert timeline(db, incident, "evidence")[0].startswith(
            f"Evidence bundle {bundle['id']} attached: 3 samples, 4 events, 2 unique client IPs"
        )
        pager.at(at + timedelta(minutes=11))
        [mail] = mailer.take(1)
        assert mail.message["To"] == "framework-support@example.net"
        files = {a.get_filename(): a.get_content() for a in mail.message.iter_attachments()}
        stem = f"incident-{incident}-evidence-{bundle['id']}"
        assert set(files) == {f"{stem}.md", f"{stem}.json"}
        attached = files[f"{stem}.json"]
        attached = json.loads(attached if isinstance(attached, str) else attached.decode())
        assert (attached["total_events"], attached["unique_client_ips"]) == (4, 2)
        assert "- Unique client IPs: 2" in str(files[f"{stem}.md"])
        page = client.get(f"/incidents/{incident}/evidence/{bundle['id']}", headers=viewer)
        assert page.status_code == 200 and "VAMF-1003" in page.text
        for minutes in (30, 120):
            pager.at(at + timedelta(minutes=minutes))
            quiet(slack, mailer)
