"""Bad input gets a clear 4xx naming the field, and nothing is stored."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer

PERSON = {"handle": "ann", "name": "Ann Example", "email": "ann@example.org"}


def _people(client: TestClient, token: str) -> list[dict]:
    return client.get("/api/v1/people", headers=bearer(token)).json()


def test_malformed_json_is_400(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/people", content=b'{"handle": "ann",',
                           headers={**bearer(tokens["admin"]), "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_json", "message": "body: not valid JSON",
                                        "fields": []}
    assert _people(client, tokens["admin"]) == []


def test_unknown_field_is_named(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/people", json={**PERSON, "shoe_size": 44},
                           headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["shoe_size"]
    assert _people(client, tokens["admin"]) == []


def test_wrong_types_are_each_named(client: TestClient, tokens: dict[str, str]) -> None:
    body = {**PERSON, "name": 12, "contact_methods": [{"type": "pager", "address": "x"}]}
    response = client.post("/api/v1/people", json=body, headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert fields == {"name", "contact_methods[0].type"}
    assert _people(client, tokens["admin"]) == []


def test_unknown_time_zone_is_named(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/people", json={**PERSON, "time_zone": "Mars/Olympus"},
                           headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "time_zone"
    assert "Mars/Olympus" in error["message"]


def test_dangling_references_are_all_reported_and_nothing_written(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    client.post("/api/v1/people", json=PERSON, headers=admin)
    team = {"name": "core", "members": ["ann", "zed"], "tech_lead": "yan",
            "roles": {"product_owner": {"person": "ann", "backup": "xia"}}}
    response = client.post("/api/v1/teams", json=team, headers=admin)
    assert response.status_code == 422
    assert {(f["field"], f["message"]) for f in response.json()["error"]["fields"]} == {
        ("members[1]", "no person 'zed'"),
        ("tech_lead", "no person 'yan'"),
        ("roles.product_owner.backup", "no person 'xia'"),
    }
    assert client.get("/api/v1/teams", headers=admin).json() == []


def test_body_over_the_limit_is_413_and_nothing_stored(client: TestClient,
                                                       tokens: dict[str, str]) -> None:
    huge = {**PERSON, "name": "x" * (2 * 1024 * 1024)}
    response = client.post("/api/v1/people", json=huge, headers=bearer(tokens["admin"]))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert _people(client, tokens["admin"]) == []


def test_streamed_body_over_the_limit_without_length_is_413(client: TestClient,
                                                            tokens: dict[str, str]) -> None:
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = client.post("/api/v1/people", content=chunks(),
                           headers={**bearer(tokens["admin"]), "content-type": "application/json"})
    assert response.status_code == 413


def test_put_with_a_key_that_differs_from_the_url_is_refused(client: TestClient,
                                                             tokens: dict[str, str]) -> None:
    response = client.put("/api/v1/people/bob", json=PERSON, headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "handle"


def test_creating_twice_is_409(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    assert client.post("/api/v1/people", json=PERSON, headers=admin).status_code == 201
    response = client.post("/api/v1/people", json=PERSON, headers=admin)
    assert response.status_code == 409


def test_deleting_a_person_still_leading_a_team_is_refused(client: TestClient,
                                                          tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    client.post("/api/v1/people", json=PERSON, headers=admin)
    client.post("/api/v1/teams", json={"name": "core", "tech_lead": "ann"}, headers=admin)
    response = client.delete("/api/v1/people/ann", headers=admin)
    assert response.status_code == 422
    assert "team 'core'" in response.json()["error"]["message"]
    assert len(_people(client, tokens["admin"])) == 1


def test_a_dependency_that_would_close_a_cycle_is_refused(client: TestClient,
                                                         tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    client.post("/api/v1/services", json={"name": "queue"}, headers=admin)
    client.post("/api/v1/services", json={"name": "api", "depends_on": ["queue"]}, headers=admin)
    client.post("/api/v1/services", json={"name": "web", "depends_on": ["api"]}, headers=admin)
    response = client.put("/api/v1/services/queue", json={"name": "queue", "depends_on": ["web"]},
                          headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "depends_on[0]",
         "message": "'web' already depends on this service; that would be a cycle"}]
    queue = client.get("/api/v1/services/queue", headers=admin).json()
    assert queue["depends_on"] == []


def test_an_over_long_email_is_refused_by_name(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/people", json={**PERSON, "email": "a" * 320 + "@example.org"},
                           headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "email"
