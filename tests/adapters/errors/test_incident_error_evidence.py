"""An incident opened by an urgent triage draws its evidence bundle from the linked error issue's
events: samples with time, URL, payload and event id, the event total and the unique client IPs,
by the API (JSON and Markdown) and `onwatch incidents evidence`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from tests.adapters.cli.conftest import Onwatch, onwatch  # noqa: F401 (a fixture used here)
from tests.adapters.errors.conftest import Project, issues
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.conftest import bearer

SENT = [
    ("https://shop.example/cart", "203.0.113.1"),
    ("https://shop.example/pay", "203.0.113.2"),
    ("https://shop.example/pay", "203.0.113.2"),
    ("https://shop.example/basket", "198.51.100.9"),
]


def test_an_urgent_triage_gives_its_incident_the_error_evidence(
    db: object, project: Project, client: TestClient, tokens: dict[str, str], clock: FakeClock,
    onwatch: Onwatch,  # noqa: F811 (the fixture imported above)
) -> None:  # fmt: skip
    event_ids = []
    for url, ip in SENT:
        event = exception_event(request={"url": url}, user={"ip_address": ip})
        event_ids.append(event["event_id"])
        answer = client.post(
            f"/api/{project.project_id}/envelope/",
            content=event_envelope(event),
            headers=auth(project.public_key),
        )
        assert answer.status_code == 200, answer.text
        clock.advance(timedelta(minutes=1))
    [issue] = issues(db)  # type: ignore[arg-type]
    triaged = client.post(
        f"/api/v1/errors/issues/{issue.id}/triage",
        json={"impact": "work_stopping"},
        headers=bearer(tokens["responder"]),
    )
    assert triaged.status_code == 200, triaged.text
    incident_id = triaged.json()["incident_id"]
    assert incident_id is not None

    viewer = bearer(tokens["viewer"])
    url = f"/api/v1/incidents/{incident_id}/evidence"
    document = client.get(url, headers=viewer).json()
    assert document["incident"]["id"] == incident_id
    assert (document["total_events"], document["unique_client_ips"]) == (4, 3)
    samples = document["samples"]
    assert len(samples) >= 3
    assert {s["url"] for s in samples} == {url for url, _ in SENT}
    assert {s["error_id"] for s in samples} <= set(event_ids)
    assert all(s["origin"].startswith("error event ") and s["payload"] for s in samples)
    assert samples == sorted(samples, key=lambda s: s["at"])

    markdown = client.get(url, params={"format": "md"}, headers=viewer).text
    assert "- Total events: 4" in markdown and "- Unique client IPs: 3" in markdown
    assert "https://shop.example/basket" in markdown and event_ids[-1] in markdown

    window = ("--since", "2026-03-02T13:00:00Z", "--until", clock.now().isoformat())
    shown = onwatch("incidents", "evidence", str(incident_id), *window, "--format", "json")
    assert shown.exit_code == 0, shown.output
    printed = json.loads(shown.stdout)
    assert (printed["total_events"], printed["unique_client_ips"]) == (4, 3)
    assert len(printed["samples"]) >= 3
    text = onwatch("incidents", "evidence", str(incident_id), *window).stdout
    assert "- Total events: 4" in text and "https://shop.example/pay" in text


def test_an_incident_without_linked_errors_has_none_in_its_evidence(
    project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    answer = client.post(
        f"/api/{project.project_id}/envelope/",
        content=event_envelope(exception_event()),
        headers=auth(project.public_key),
    )
    assert answer.status_code == 200
    declared = client.post(
        "/api/v1/incidents",
        json={"service": project.service, "title": "Checkout is slow", "severity": "sev2"},
        headers=bearer(tokens["responder"]),
    )
    assert declared.status_code in (200, 201), declared.text
    document = client.get(
        f"/api/v1/incidents/{declared.json()['id']}/evidence", headers=bearer(tokens["viewer"])
    ).json()
    assert (document["total_events"], document["samples"]) == (0, [])
