"""Every write needs a credential, roles are enforced on the server, writes are audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer

PERSON = {
    "handle": "ann",
    "name": "Ann Example",
    "email": "ann@example.org",
    "time_zone": "America/New_York",
}


def test_write_without_token_is_401_and_stores_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post("/api/v1/people", json=PERSON)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/people", headers=bearer(tokens["viewer"])).json() == []


def test_read_without_token_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/services").status_code == 401


def test_unknown_token_is_401_and_says_nothing_about_it(client: TestClient) -> None:
    response = client.get("/api/v1/people", headers=bearer("owt_not-a-real-token"))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "a valid credential is required"


def test_viewer_token_writing_is_403(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/people", json=PERSON, headers=bearer(tokens["viewer"]))
    assert response.status_code == 403
    assert "admin" in response.json()["error"]["message"]


def test_responder_token_cannot_change_the_directory(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post("/api/v1/people", json=PERSON, headers=bearer(tokens["responder"]))
    assert response.status_code == 403


def test_revoked_token_is_401(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    assert client.delete("/api/v1/tokens/test-viewer", headers=admin).status_code == 200
    assert client.get("/api/v1/people", headers=bearer(tokens["viewer"])).status_code == 401


def test_each_accepted_write_leaves_an_audit_entry(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    assert client.post("/api/v1/people", json=PERSON, headers=admin).status_code == 201
    changed = {**PERSON, "name": "Ann Q. Example"}
    assert client.put("/api/v1/people/ann", json=changed, headers=admin).json()["changed"]
    team = {"name": "core", "members": ["ann"], "tech_lead": "ann"}
    assert client.post("/api/v1/teams", json=team, headers=admin).status_code == 201
    assert client.delete("/api/v1/teams/core", headers=admin).status_code == 204

    entries = client.get("/api/v1/audit?entity_type=person", headers=admin).json()
    assert [e["action"] for e in entries] == ["person.update", "person.create"]
    update = entries[0]
    assert update["actor"] == "token:test-admin"
    assert update["before"]["name"] == "Ann Example"
    assert update["after"]["name"] == "Ann Q. Example"
    team_actions = [
        e["action"] for e in client.get("/api/v1/audit?entity_type=team", headers=admin).json()
    ]
    assert team_actions == ["team.delete", "team.create"]


def test_unchanged_put_writes_no_audit_entry(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    client.post("/api/v1/people", json=PERSON, headers=admin)
    assert client.put("/api/v1/people/ann", json=PERSON, headers=admin).json() == {"changed": False}
    entries = client.get("/api/v1/audit?entity_type=person", headers=admin).json()
    assert len(entries) == 1


def test_audit_log_is_admin_only(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/audit", headers=bearer(tokens["responder"])).status_code == 403
