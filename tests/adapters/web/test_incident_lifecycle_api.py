"""The lifecycle over the API: mitigate, close, merge and PATCH for responders; a move the
lifecycle refuses is a 409 that says what is allowed, a bad value a 422 naming its field, and
nothing changes on either; the list filters; one incident carries its numbers, severity name
and the source of each timeline entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service, put_team
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec, TeamSpec
from onwatch.incidents.models import Incident, TimelineEntry
from tests.conftest import bearer


@pytest.fixture
def fire(db: Database, clock: FakeClock) -> Any:
    """fire(key, service="reader", severity="error") -> the id of the incident it opens."""
    with db.transaction() as session:
        put_team(session, TeamSpec(name="ops"), actor="test", now=clock.now())
        put_service(session, ServiceSpec(name="reader", team="ops"), actor="test", now=clock.now())
        put_service(session, ServiceSpec(name="writer"), actor="test", now=clock.now())

    def go(key: str, service: str = "reader", severity: str = "error") -> int:
        event = AlertEvent("trigger", key, summary=f"{key} is broken", severity=severity)
        with db.transaction() as session:
            [outcome] = ingest(
                session,
                [Routed(get_service(session, service).id, service, event)],
                integration_id=None,
                now=clock.advance(timedelta(minutes=1)),
            )
        assert outcome.incident_id is not None
        return outcome.incident_id

    return go


def snapshot(db: Database) -> tuple[list[tuple[Any, ...]], int, int]:
    with db.read() as session:
        incidents = [
            (i.id, i.status, i.severity, i.priority, i.title, i.duplicate_of_id, i.closed_at)
            for i in session.scalars(select(Incident).order_by(Incident.id))
        ]
        entries = len(session.scalars(select(TimelineEntry.id)).all())
        audits = len(session.scalars(select(AuditEntry.id)).all())
    return incidents, entries, audits


def test_mitigate_resolve_close_then_the_numbers_and_sources_show(
    client: TestClient, tokens: dict[str, str], fire: Any, clock: FakeClock
) -> None:
    responder = bearer(tokens["responder"])
    incident = fire("disk")
    url = f"/api/v1/incidents/{incident}"
    clock.advance(timedelta(minutes=4))
    assert client.post(f"{url}/acknowledge", headers=responder).status_code == 200
    clock.advance(timedelta(minutes=6))
    mitigated = client.post(f"{url}/mitigate", headers=responder)
    assert mitigated.status_code == 200, mitigated.text
    assert mitigated.json()["incident"]["status"] == "mitigated"
    assert client.post(f"{url}/mitigate", headers=responder).json()["changed"] is False
    clock.advance(timedelta(minutes=20))
    assert client.post(f"{url}/resolve", headers=responder).status_code == 200
    closed = client.post(f"{url}/close", headers=responder)
    assert closed.status_code == 200, closed.text
    body = client.get(url, headers=bearer(tokens["viewer"])).json()
    assert (body["status"], body["severity"], body["severity_name"]) == ("closed", "sev2", "Major")
    assert body["numbers"] == {
        "time_to_acknowledge_seconds": 240.0,
        "time_to_mitigate_seconds": 600.0,
        "time_to_resolve_seconds": 1800.0,
    }
    assert [(e["kind"], e["source"]) for e in body["timeline"]] == [
        ("opened", "system"),
        ("acknowledged", "api"),
        ("mitigated", "api"),
        ("resolved", "api"),
        ("closed", "api"),
    ]


def test_closing_with_a_required_post_mortem_missing_is_a_409_and_changes_nothing(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder = bearer(tokens["responder"])
    incident = fire("disk", severity="critical")
    assert (
        client.post(f"/api/v1/incidents/{incident}/resolve", headers=responder).status_code == 200
    )
    before = snapshot(db)
    refused = client.post(f"/api/v1/incidents/{incident}/close", headers=responder)
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"incident {incident} requires a post-mortem (its severity is sev1 (Critical)), so it "
        "closes only once the post-mortem is published or waived with a reason"
    )
    assert snapshot(db) == before


def test_waiving_needs_a_reason_a_known_incident_and_a_responder(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder = bearer(tokens["responder"])
    incident = fire("disk", severity="critical")
    client.post(f"/api/v1/incidents/{incident}/resolve", headers=responder)
    url = f"/api/v1/incidents/{incident}/postmortem/waive"
    before = snapshot(db)
    for body in ({"reason": "  "}, {}, {"reason": "nul \x00"}):
        blank = client.post(url, json=body, headers=responder)
        assert blank.status_code == 422, blank.text
        assert "reason" in blank.text
    viewer = client.post(url, json={"reason": "known"}, headers=bearer(tokens["viewer"]))
    assert viewer.status_code == 403
    assert client.post(url, json={"reason": "known"}).status_code == 401
    unknown = client.post(
        "/api/v1/incidents/999999/postmortem/waive", json={"reason": "known"}, headers=responder
    )
    assert unknown.status_code == 404
    assert snapshot(db) == before

    waived = client.post(url, json={"reason": "A drill"}, headers=responder)
    assert waived.status_code == 200, waived.text
    assert waived.json()["changed"] is True
    shown = waived.json()["incident"]
    assert (shown["status"], shown["postmortem_state"], shown["postmortem_waiver"]) == (
        "closed", "waived", "A drill",
    )  # fmt: skip
    assert shown["postmortem_reasons"] == ["its severity is sev1 (Critical)"]
    again = client.post(url, json={"reason": "A drill"}, headers=responder)
    assert again.json()["changed"] is False


def test_waiving_when_no_post_mortem_is_required_is_a_409(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    incident = fire("disk", severity="warning")
    before = snapshot(db)
    refused = client.post(
        f"/api/v1/incidents/{incident}/postmortem/waive",
        json={"reason": "nothing to write"},
        headers=bearer(tokens["responder"]),
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"incident {incident} requires no post-mortem: nothing to waive"
    )
    assert snapshot(db) == before


def test_acknowledging_a_closed_incident_is_a_409_naming_what_it_can_do(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder = bearer(tokens["responder"])
    incident = fire("disk")
    for verb in ("resolve", "close"):
        assert (
            client.post(f"/api/v1/incidents/{incident}/{verb}", headers=responder).status_code
            == 200
        )
    before = snapshot(db)
    for verb in ("acknowledge", "mitigate", "resolve"):
        refused = client.post(f"/api/v1/incidents/{incident}/{verb}", headers=responder)
        assert refused.status_code == 409, (verb, refused.text)
        message = refused.json()["error"]["message"]
        assert message.startswith(f"incident {incident} is closed, so it cannot be")
        assert message.endswith("it can be reopened")
    assert snapshot(db) == before


def test_closing_an_open_incident_is_a_409(
    client: TestClient, tokens: dict[str, str], fire: Any
) -> None:
    incident = fire("disk")
    refused = client.post(
        f"/api/v1/incidents/{incident}/close", headers=bearer(tokens["responder"])
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"incident {incident} is triggered, so it cannot be closed (only a resolved one can); "
        "it can be acknowledged, mitigated or resolved"
    )


def test_patch_changes_severity_and_priority_on_the_timeline(
    client: TestClient, tokens: dict[str, str], fire: Any
) -> None:
    incident = fire("disk")
    url = f"/api/v1/incidents/{incident}"
    changed = client.patch(
        url,
        json={"severity": "sev1", "priority": "p1", "title": "Disk full on reader"},
        headers=bearer(tokens["responder"]),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["changed"] == ["severity", "priority", "title"]
    assert (body["incident"]["severity_name"], body["incident"]["priority"]) == ("Critical", "p1")
    cleared = client.patch(url, json={"priority": None}, headers=bearer(tokens["responder"]))
    assert cleared.json()["incident"]["priority"] is None
    timeline = client.get(url, headers=bearer(tokens["viewer"])).json()["timeline"]
    assert [e["text"] for e in timeline if e["kind"] in ("severity", "priority")] == [
        "Severity changed from sev2 (Major) to sev1 (Critical)",
        "Priority changed from none to p1",
        "Priority changed from p1 to none",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "sev5"}, "severity"),
        ({"severity": None}, "severity"),
        ({"priority": "urgent"}, "priority"),
        ({"title": ""}, "title"),
        ({"title": "x" * 1025}, "title"),
        ({"status": "closed"}, "status"),
        ({}, "body"),
    ],
)
def test_a_bad_patch_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database, body: Any, field: str
) -> None:
    incident = fire("disk")
    before = snapshot(db)
    refused = client.patch(
        f"/api/v1/incidents/{incident}", json=body, headers=bearer(tokens["responder"])
    )
    assert refused.status_code == 422, refused.text
    assert [f["field"] for f in refused.json()["error"]["fields"]] == [field]
    assert snapshot(db) == before


def test_merge_marks_a_duplicate_and_refuses_itself_and_closed_ones(
    client: TestClient, tokens: dict[str, str], fire: Any, db: Database
) -> None:
    responder = bearer(tokens["responder"])
    stays = fire("disk")
    duplicate = fire("cpu", service="writer")
    merged = client.post(
        f"/api/v1/incidents/{duplicate}/merge", json={"into": stays}, headers=responder
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["duplicate"]["status"], body["duplicate"]["duplicate_of"]) == ("resolved", stays)
    assert (body["into"]["alert_count"], body["alerts_moved"]) == (2, 1)

    before = snapshot(db)
    itself = client.post(
        f"/api/v1/incidents/{stays}/merge", json={"into": stays}, headers=responder
    )
    assert itself.status_code == 422
    assert [f["field"] for f in itself.json()["error"]["fields"]] == ["into"]
    cycle = client.post(
        f"/api/v1/incidents/{stays}/merge", json={"into": duplicate}, headers=responder
    )
    assert cycle.status_code == 409 and "cycle" in cycle.json()["error"]["message"]
    missing = client.post(f"/api/v1/incidents/{stays}/merge", json={"into": 999}, headers=responder)
    assert missing.status_code == 404
    assert snapshot(db) == before
    viewer = client.post(
        f"/api/v1/incidents/{stays}/merge",
        json={"into": duplicate},
        headers=bearer(tokens["viewer"]),
    )
    assert viewer.status_code == 403


def test_the_list_filters_by_status_severity_priority_team_text_and_time(
    client: TestClient, tokens: dict[str, str], fire: Any, clock: FakeClock
) -> None:
    viewer, responder = bearer(tokens["viewer"]), bearer(tokens["responder"])
    disk = fire("disk", severity="critical")
    cpu = fire("cpu", service="writer", severity="warning")
    client.patch(f"/api/v1/incidents/{cpu}", json={"priority": "p3"}, headers=responder)
    client.post(f"/api/v1/incidents/{cpu}/mitigate", headers=responder)

    def ids(**query: str) -> list[int]:
        found = client.get("/api/v1/incidents", params=query, headers=viewer)
        assert found.status_code == 200, found.text
        return [i["id"] for i in found.json()["items"]]

    assert ids() == [cpu, disk]
    assert ids(status="mitigated") == [cpu]
    assert ids(status="open") == [cpu, disk]
    assert ids(status="done") == []
    assert ids(status="all") == [cpu, disk]
    assert ids(severity="sev1") == [disk]
    assert ids(priority="p3") == [cpu]
    assert ids(priority="none") == [disk]
    assert ids(team="ops") == [disk]
    assert ids(q="CPU") == [cpu]
    assert ids(q="100%") == []
    opened_cpu = clock.now()  # a minute after disk
    assert ids(since=opened_cpu.isoformat()) == [cpu]
    assert ids(until=opened_cpu.isoformat()) == [disk]
    for field, value in (("status", "gone"), ("severity", "sev0"), ("priority", "high")):
        refused = client.get("/api/v1/incidents", params={field: value}, headers=viewer)
        assert refused.status_code == 422
        assert [f["field"] for f in refused.json()["error"]["fields"]] == [field]
    naive = client.get("/api/v1/incidents", params={"since": "2026-01-01T00:00"}, headers=viewer)
    assert [f["field"] for f in naive.json()["error"]["fields"]] == ["since"]
    assert (
        client.get("/api/v1/incidents", params={"team": "nobody"}, headers=viewer).status_code
        == 404
    )
