"""GET /api/v1/people/{handle} includes the person's contact methods and notification rules;
a rule naming no usable contact method, or a contact method with a literal secret, is a 422
naming the field, with nothing stored."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import bearer

ANN: dict[str, Any] = {
    "handle": "ann",
    "name": "Ann Archer",
    "email": "ann@example.org",
    "contact_methods": [
        {"type": "ntfy", "address": "https://ntfy.example.org/ann-9f2c", "label": "push"},
        {"type": "webhook", "address": "https://hooks.example.org/ann", "secret": "env:HOOK"},
    ],
    "notification_rules": {
        "high": [{"contact": "push"}, {"contact": 2, "after": "5m"}],
        "low": [{"contact": "email", "after": "1h"}],
    },
}


def test_a_persons_rules_are_stored_and_read_back(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin, viewer = bearer(tokens["admin"]), bearer(tokens["viewer"])
    assert client.post("/api/v1/people", json=ANN, headers=admin).status_code == 201
    got = client.get("/api/v1/people/ann", headers=admin).json()
    assert got["contact_methods"][1] == {
        "type": "webhook",
        "address": "https://hooks.example.org/ann",
        "label": None,
        "url": None,
        "secret": "env:HOOK",
        "token": None,
    }
    # Where a secret lives is for admins: a viewer reads the method without its reference.
    seen = client.get("/api/v1/people/ann", headers=viewer).json()
    assert seen["contact_methods"][1]["secret"] is None
    assert seen["contact_methods"][1]["address"] == "https://hooks.example.org/ann"
    listed = client.get("/api/v1/people", headers=viewer).json()
    assert [m["secret"] for p in listed if p["handle"] == "ann" for m in p["contact_methods"]] == [
        None,
        None,
    ]
    assert seen["notification_rules"] == got["notification_rules"] == {
        "high": [{"contact": "push", "after": "0s"}, {"contact": 2, "after": "5m"}],
        "low": [{"contact": "email", "after": "1h"}],
    }


def test_bad_rules_and_contact_methods_are_422_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    unknown = {**ANN, "notification_rules": {"high": [{"contact": "pager"}]}}
    literal = {
        **ANN,
        "contact_methods": [
            ANN["contact_methods"][0],
            {**ANN["contact_methods"][1], "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
        ],
    }
    negative = {**ANN, "notification_rules": {"low": [{"contact": "email", "after": "-5m"}]}}
    for body, field in (
        (unknown, "notification_rules.high[0].contact"),
        (literal, "contact_methods[1].secret"),
        (negative, "notification_rules.low[0].after"),
    ):
        response = client.post("/api/v1/people", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["error"]["fields"]] == [field]
    assert client.get("/api/v1/people", headers=admin).json() == []


def test_an_admin_queues_a_test_notification_through_the_api(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin, viewer = bearer(tokens["admin"]), bearer(tokens["viewer"])
    assert client.post("/api/v1/people", json=ANN, headers=admin).status_code == 201
    url = "/api/v1/people/ann/test-notification"
    assert client.post(url, headers=viewer).status_code == 403
    queued = client.post(url, headers=admin)
    assert (queued.status_code, queued.json()) == (
        202,
        {"queued": ["email", "ntfy (push)", "webhook"], "skipped": []},
    )
    one = client.post(url, json={"method": 2}, headers=admin)
    assert one.json()["queued"] == ["webhook"]
    bad = client.post(url, json={"method": "pager"}, headers=admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["error"]["fields"]] == ["method"]
    assert client.post("/api/v1/people/zed/test-notification", headers=admin).status_code == 404
