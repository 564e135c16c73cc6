"""Silences over HTTP: responders create and expire them (audited), bad input is a 422 naming
the field, and an alert held over PagerDuty's intake opens its incident when the silence ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import Silence
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.incidents.models import Incident
from onwatch.integrations.keys import create_integration
from tests.conftest import bearer


@pytest.fixture
def routing_key(db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]) -> str:
    admin = bearer(tokens["admin"])
    assert (
        client.post("/api/v1/services", json={"name": "reader"}, headers=admin).status_code == 201
    )
    with db.transaction() as session:
        return create_integration(
            session,
            name="reader-pd",
            service="reader",
            kind="pagerduty",
            actor="test",
            now=clock.now(),
        ).key


def trigger(client: TestClient, key: str, dedup: str, component: str = "db") -> None:
    body = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": {
            "summary": f"{dedup} failing",
            "source": "host-1",
            "severity": "error",
            "component": component,
        },
    }
    assert client.post("/v2/enqueue", json=body).status_code == 202


def incidents(db: Database) -> list[Incident]:
    with db.read() as session:
        return list(session.scalars(select(Incident)))


def test_silence_made_over_the_api_holds_an_alert_until_it_is_expired(
    client: TestClient, routing_key: str, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    responder = bearer(tokens["responder"])
    engine = build_engine(db, clock)
    response = client.post(
        "/api/v1/silences",
        headers=responder,
        json={
            "matchers": ['service="reader"', 'component=~"db|cache"'],
            "duration": "2h",
            "reason": "Known flaky replica; ticket OPS-12",
        },
    )
    assert response.status_code == 201, response.text
    silence = response.json()
    assert (silence["state"], silence["author"], silence["matchers"]) == (
        "active",
        "token:test-responder",
        ['service="reader"', 'component=~"db|cache"'],
    )

    trigger(client, routing_key, "replica-lag")
    trigger(client, routing_key, "disk", component="disk")
    engine.tick()
    assert [i.title for i in incidents(db)] == ["disk failing"]
    listed = client.get("/api/v1/silences", headers=bearer(tokens["viewer"])).json()
    assert [(s["id"], s["held_alerts"]) for s in listed] == [(silence["id"], 1)]

    clock.advance(timedelta(minutes=15))
    expired = client.post(f"/api/v1/silences/{silence['id']}/expire", headers=responder)
    assert expired.status_code == 200
    assert (expired.json()["state"], expired.json()["ends_at"]) == (
        "expired",
        clock.now().isoformat().replace("+00:00", "Z"),
    )
    engine.tick()
    # Released now, it joins the service's open incident (grouping by service, the default).
    assert [(i.title, i.alert_count) for i in incidents(db)] == [("disk failing", 2)]
    again = client.post(f"/api/v1/silences/{silence['id']}/expire", headers=responder)
    assert again.status_code == 409
    with db.read() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == "silence")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["silence.create", "silence.expire"]


def test_listing_by_state(client: TestClient, tokens: dict[str, str], clock: FakeClock) -> None:
    responder = bearer(tokens["responder"])
    later = (clock.now() + timedelta(hours=3)).isoformat()
    for body in (
        {"matchers": ["app=a"], "duration": "1h", "reason": "now"},
        {"matchers": ["app=b"], "starts_at": later, "duration": "1h", "reason": "later"},
    ):
        assert client.post("/api/v1/silences", json=body, headers=responder).status_code == 201
    clock.advance(timedelta(hours=2))
    states = {
        s["reason"]: s["state"]
        for s in client.get(
            "/api/v1/silences",
            params={"state": ["active", "pending", "expired"]},
            headers=responder,
        ).json()
    }
    assert states == {"now": "expired", "later": "pending"}
    assert client.get("/api/v1/silences", headers=responder).json()[0]["reason"] == "later"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {
                "matchers": ['app="reader"'],
                "starts_at": "2026-03-02T16:00:00Z",
                "ends_at": "2026-03-02T15:00:00Z",
            },
            "ends_at",
            "must end after it starts",
        ),
        (
            {"matchers": ['app=~"(oops"'], "duration": "1h"},
            "matchers[0]",
            "invalid regular expression",
        ),
        ({"matchers": [], "duration": "1h"}, "matchers", "at least one matcher"),
        ({"matchers": ['app="reader"']}, "ends_at", "required"),
        ({"matchers": ['app="reader"'], "ends_at": "2026-03-02T18:00:00"}, "ends_at", "timezone"),
        ({"matchers": ['app="reader"'], "duration": "1h", "reason": ""}, "reason", "at least"),
        (
            {"matchers": [{"name": "app", "value": "x", "isRegex": "yes"}], "duration": "1h"},
            "matchers[0]",
            "booleans",
        ),
    ],
)
def test_bad_silence_is_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, tokens: dict[str, str], db: Database, body: dict, field: str, words: str
) -> None:
    response = client.post(
        "/api/v1/silences", json={"reason": "r", **body}, headers=bearer(tokens["responder"])
    )
    assert response.status_code == 422, response.text
    fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert field in fields and words in fields[field], fields
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Silence)) == 0


def test_viewers_may_read_but_not_silence_and_strangers_get_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = {"matchers": ["app=a"], "duration": "1h", "reason": "r"}
    assert client.post("/api/v1/silences", json=body).status_code == 401
    assert (
        client.post("/api/v1/silences", json=body, headers=bearer(tokens["viewer"])).status_code
        == 403
    )
    assert client.get("/api/v1/silences").status_code == 401
    assert client.get("/api/v1/silences/99", headers=bearer(tokens["viewer"])).status_code == 404
