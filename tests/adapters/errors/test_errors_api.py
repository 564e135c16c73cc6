"""The error issues API: listing with filters and sorts, an issue with its grouping reason,
counts and samples, resolving and silencing by responders only, refusals naming the field."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.core.db import Database
from tests.adapters.errors.conftest import Project
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.conftest import bearer


def _send(client: TestClient, project: Project, **event: object) -> None:
    body = event_envelope(exception_event(**event))  # type: ignore[arg-type]
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 200, answer.text


def test_issues_are_listed_sorted_and_shown_with_why_they_were_grouped(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    viewer = bearer(tokens["viewer"])
    _send(client, project)
    _send(client, project, user={"id": "u-2"})
    _send(client, project, user={"id": "u-3"}, exception={"values": [{"type": "OSError"}]})
    _send(client, project, user={"id": "u-3"}, exception={"values": [{"type": "OSError"}]})
    _send(client, project, user={"id": "u-3"}, exception={"values": [{"type": "OSError"}]})
    by_events = client.get("/api/v1/errors/issues?sort=events", headers=viewer).json()
    assert [(i["title"], i["events"], i["users"]) for i in by_events] == [
        ("OSError", 3, 1),
        ("ValueError: order 1234 not found", 2, 2),
    ]
    by_users = client.get("/api/v1/errors/issues?sort=users&service=checkout", headers=viewer)
    assert [i["users"] for i in by_users.json()] == [2, 1]
    detail = client.get(f"/api/v1/errors/issues/{by_events[1]['id']}", headers=viewer).json()
    assert detail["grouping"] == {
        "version": 1,
        "reason": "grouped by ValueError at in-app frames: shop.views in checkout",
        "hash": detail["grouping"]["hash"],
    }
    assert detail["client_ips"] == 1 and detail["tags"] == {"browser": {"Firefox": 2}}
    assert [h["events"] for h in detail["hours"]] == [2]
    sample = detail["samples"][0]
    assert sample["url"] == "https://shop.example/cart" and len(sample["event_id"]) == 32
    assert sample["stacktrace"][0]["function"] == "checkout"
    assert sample["payload"]["request"]["method"] == "POST"
    listed = client.get("/api/v1/errors/keys", headers=viewer).json()
    assert listed[0]["dsn"].endswith(f"@127.0.0.1:8080/{project.project_id}")


def test_resolving_and_silencing_need_a_responder_and_name_bad_fields(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    _send(client, project)
    issue_id = client.get("/api/v1/errors/issues", headers=bearer(tokens["viewer"])).json()[0]["id"]
    url = f"/api/v1/errors/issues/{issue_id}"
    assert client.post(f"{url}/resolve", json={}).status_code == 401
    assert (
        client.post(f"{url}/resolve", json={}, headers=bearer(tokens["viewer"])).status_code == 403
    )
    responder = bearer(tokens["responder"])
    refused = client.post(f"{url}/resolve", json={"mode": "release"}, headers=responder)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "release"
    refused = client.post(f"{url}/silence", json={"events": 0}, headers=responder)
    assert refused.status_code == 422 and "events" in refused.json()["error"]["fields"][0]["field"]
    silenced = client.post(f"{url}/silence", json={"events": 100}, headers=responder).json()
    assert (silenced["status"], silenced["silence"]["events"]) == ("silenced", 100)
    resolved = client.post(
        f"{url}/resolve", json={"mode": "release", "release": "shop@2.1.0"}, headers=responder
    ).json()
    assert resolved["status"] == "resolved" and resolved["resolution"]["release"] == "shop@2.1.0"
    _send(client, project, release="shop@2.0.0")
    assert client.get(url, headers=responder).json()["status"] == "resolved"
    _send(client, project, release="shop@2.1.0")
    reopened = client.get(url, headers=responder).json()
    assert (reopened["status"], reopened["substatus"]) == ("unresolved", "regressed")
    filtered = client.get("/api/v1/errors/issues?status=resolved", headers=responder).json()
    assert filtered == []
    assert client.get("/api/v1/errors/issues/999", headers=responder).status_code == 404
