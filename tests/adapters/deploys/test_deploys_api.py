"""Deploys over HTTP: recorded by a responder (4xx naming the field, nothing stored), listed and
shown to viewers; and a PagerDuty change event naming a release records one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from tests.adapters.intake.stored import Keys
from tests.conftest import bearer


def _service(db: Database, clock: FakeClock, name: str = "shop") -> None:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name=name), actor="test", now=clock.now())


def test_a_responder_records_a_deploy_and_a_viewer_lists_and_shows_it(
    db: Database, client: TestClient, clock: FakeClock, tokens: dict[str, str]
) -> None:
    _service(db, clock)
    body = {"service": "shop", "release": "shop@2.0.0", "deployer": "someone@example.org"}
    assert (
        client.post("/api/v1/deploys", json=body, headers=bearer(tokens["viewer"])).status_code
        == 403
    )
    made = client.post("/api/v1/deploys", json=body, headers=bearer(tokens["responder"]))
    assert made.status_code == 201, made.text
    assert made.json()["source"] == "api" and made.json()["findings"] == []
    viewer = bearer(tokens["viewer"])
    listed = client.get("/api/v1/deploys", params={"service": "shop"}, headers=viewer).json()
    assert [(d["release"], d["deployer"]) for d in listed] == [
        ("shop@2.0.0", "someone@example.org")
    ]
    shown = client.get(f"/api/v1/deploys/{made.json()['id']}", headers=viewer).json()
    assert shown["watched_at"] is None
    assert client.get("/api/v1/deploys/999", headers=viewer).status_code == 404


def test_a_bad_deploy_is_refused_naming_the_field_and_nothing_is_stored(
    db: Database, client: TestClient, clock: FakeClock, tokens: dict[str, str]
) -> None:
    _service(db, clock)
    responder = bearer(tokens["responder"])
    no_release = client.post("/api/v1/deploys", json={"service": "shop"}, headers=responder)
    assert no_release.status_code == 422 and "release" in no_release.text
    naive = {"service": "shop", "release": "r1", "at": "2026-03-02T10:00:00"}
    refused = client.post("/api/v1/deploys", json=naive, headers=responder)
    assert refused.status_code == 422 and "at" in refused.text
    unknown = client.post(
        "/api/v1/deploys", json={"service": "nope", "release": "r1"}, headers=responder
    )
    assert unknown.status_code == 404 and "nope" in unknown.text
    assert client.get("/api/v1/deploys", headers=bearer(tokens["viewer"])).json() == []


def test_a_pagerduty_change_event_naming_a_release_records_a_deploy(
    client: TestClient, keys: Keys, tokens: dict[str, str]
) -> None:
    change = {
        "routing_key": keys["pagerduty"],
        "payload": {
            "summary": "Deployed reader v2.4.1",
            "source": "github-actions",
            "timestamp": "2026-03-02T13:55:00Z",
            "custom_details": {"version": "v2.4.1", "deployed_by": "dev@example.org"},
        },
    }
    assert client.post("/v2/change/enqueue", json=change).status_code == 202
    without = {"routing_key": keys["pagerduty"], "payload": {"summary": "config flag flipped"}}
    assert client.post("/v2/change/enqueue", json=without).status_code == 202
    [deploy] = client.get("/api/v1/deploys", headers=bearer(tokens["viewer"])).json()
    assert (deploy["release"], deploy["deployer"], deploy["source"]) == (
        "v2.4.1", "dev@example.org", "pagerduty",
    )  # fmt: skip
    assert deploy["at"].startswith("2026-03-02T13:55:00")


def test_the_deploys_pages_list_a_deploy_and_show_its_findings(
    db: Database, client: TestClient, clock: FakeClock, tokens: dict[str, str]
) -> None:
    _service(db, clock)
    body = {"service": "shop", "release": "shop@2.0.0", "environment": "production"}
    made = client.post("/api/v1/deploys", json=body, headers=bearer(tokens["responder"])).json()
    viewer = bearer(tokens["viewer"])
    listed = client.get("/deploys", params={"service": "shop"}, headers=viewer)
    assert listed.status_code == 200 and f'href="/deploys/{made["id"]}"' in listed.text
    shown = client.get(f"/deploys/{made['id']}", headers=viewer)
    assert shown.status_code == 200 and "Nothing so far." in shown.text
