"""The incidents API: lists by status and service, one incident with its alerts and timeline,
and acknowledge/resolve by a responder: audited, on the timeline with the actor, alerts too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.keys import create_integration
from tests.conftest import bearer


@pytest.fixture
def am(db: Database, clock: FakeClock, client: TestClient) -> Any:
    """fire(service, *names) / clear(service, *names) through the Alertmanager webhook of
    services `reader` and `dispatch`."""
    keys = {}
    with db.transaction() as session:
        for name in ("reader", "dispatch"):
            put_service(session, ServiceSpec(name=name), actor="test", now=clock.now())
            keys[name] = create_integration(
                session, name=f"{name}-am", service=name, kind="alertmanager", actor="test",
                now=clock.now()).key

    def send(status: str, service: str, *names: str) -> None:
        body = {"version": "4", "status": status, "alerts": [
            {"status": status, "labels": {"alertname": n, "severity": "warning"},
             "fingerprint": f"{service}-{n}"} for n in names]}
        response = client.post(f"/api/v1/intake/alertmanager/{keys[service]}", json=body)
        assert response.status_code == 202
        clock.advance(timedelta(minutes=1))

    return send


def _get(client: TestClient, tokens: dict[str, str], url: str) -> Any:
    response = client.get(url, headers=bearer(tokens["viewer"]))
    assert response.status_code == 200, response.text
    return response.json()


def _post(client: TestClient, token: str, url: str) -> Any:
    return client.post(url, headers=bearer(token))


def test_incidents_list_newest_first_and_filter_by_status_and_service(
    client: TestClient, tokens: dict[str, str], am: Any
) -> None:
    am("firing", "reader", "Down")
    am("firing", "dispatch", "Slow")
    am("resolved", "reader", "Down")
    am("firing", "reader", "Down")

    def listed(query: str = "") -> list[tuple[str, str]]:
        page = _get(client, tokens, f"/api/v1/incidents?{query}")
        return [(i["service"], i["status"]) for i in page["items"]]

    assert listed() == [("reader", "triggered"), ("dispatch", "triggered"),
                        ("reader", "resolved")]
    assert listed("status=resolved") == [("reader", "resolved")]
    assert listed("status=open&service=reader") == [("reader", "triggered")]
    assert listed("limit=1")[0] == ("reader", "triggered")
    second = _get(client, tokens, "/api/v1/incidents?limit=2")["next_cursor"]
    assert listed(f"limit=2&cursor={second}") == [("reader", "resolved")]


def test_incident_shows_its_alerts_and_timeline_in_order(
    client: TestClient, tokens: dict[str, str], am: Any
) -> None:
    am("firing", "reader", "Down", "Slow")
    [incident] = _get(client, tokens, "/api/v1/incidents")["items"]
    detail = _get(client, tokens, f"/api/v1/incidents/{incident['id']}")
    assert (detail["title"], detail["severity"], detail["alert_count"]) == ("Down", "sev3", 2)
    assert [a["dedup_key"] for a in detail["alerts"]] == ["reader-Slow", "reader-Down"]
    assert [e["kind"] for e in detail["timeline"]] == ["opened", "alert"]
    assert detail["timeline_total"] == 2


def test_responder_acknowledges_then_resolves_with_timeline_audit_and_alerts(
    client: TestClient, tokens: dict[str, str], am: Any
) -> None:
    am("firing", "reader", "Down")
    [incident] = _get(client, tokens, "/api/v1/incidents")["items"]
    url = f"/api/v1/incidents/{incident['id']}"

    assert _post(client, tokens["viewer"], f"{url}/acknowledge").status_code == 403
    acked = _post(client, tokens["responder"], f"{url}/acknowledge")
    assert acked.status_code == 200
    assert acked.json()["changed"] is True
    assert acked.json()["incident"]["acknowledged_at"] == "2026-03-02T14:01:00Z"
    again = _post(client, tokens["responder"], f"{url}/acknowledge").json()
    assert (again["changed"], again["incident"]["status"]) == (False, "acknowledged")

    resolved = _post(client, tokens["responder"], f"{url}/resolve").json()
    assert (resolved["changed"], resolved["incident"]["status"]) == (True, "resolved")
    assert _post(client, tokens["responder"], f"{url}/acknowledge").status_code == 409

    detail = _get(client, tokens, url)
    assert [(e["kind"], e["actor"]) for e in detail["timeline"]] == [
        ("opened", "integration"),
        ("acknowledged", "token:test-responder"),
        ("resolved", "token:test-responder"),
    ]
    assert [a["status"] for a in detail["alerts"]] == ["resolved"]
    audit = client.get("/api/v1/audit?entity_type=incident",
                       headers=bearer(tokens["admin"])).json()
    assert [(e["action"], e["actor"], e["before"], e["after"]) for e in audit] == [
        ("incident.resolve", "token:test-responder", {"status": "acknowledged"},
         {"status": "resolved"}),
        ("incident.acknowledge", "token:test-responder", {"status": "triggered"},
         {"status": "acknowledged"}),
    ]


def test_after_a_hand_resolve_the_next_trigger_opens_a_new_incident(
    client: TestClient, tokens: dict[str, str], am: Any
) -> None:
    am("firing", "reader", "Down")
    [incident] = _get(client, tokens, "/api/v1/incidents")["items"]
    _post(client, tokens["responder"], f"/api/v1/incidents/{incident['id']}/resolve")
    am("firing", "reader", "Down")
    assert [i["status"] for i in _get(client, tokens, "/api/v1/incidents")["items"]] == [
        "triggered", "resolved"]


def test_unknown_incident_is_404(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/incidents/42", headers=bearer(tokens["viewer"])).status_code == 404
    assert _post(client, tokens["responder"], "/api/v1/incidents/42/resolve").status_code == 404
