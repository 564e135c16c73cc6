"""The alerts API: newest first, filters, keyset pages with a cursor, one alert with its events
(newest first, bounded, with the total), a service's change events; viewers may read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from onwatch.alerts import queries
from onwatch.alerts.models import Silence
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.keys import create_integration
from tests.conftest import bearer


@pytest.fixture
def pd(db: Database, clock: FakeClock, client: TestClient) -> Any:
    """send(service, dedup_key, action="trigger", **payload) through /v2/enqueue; services
    `reader` and `dispatch` each have a PagerDuty integration."""
    keys = {}
    with db.transaction() as session:
        for name in ("reader", "dispatch"):
            put_service(session, ServiceSpec(name=name), actor="test", now=clock.now())
            keys[name] = create_integration(
                session, name=f"{name}-pd", service=name, kind="pagerduty", actor="test",
                now=clock.now()).key

    def send(service: str, dedup_key: str, action: str = "trigger", **payload: Any) -> None:
        body: dict[str, Any] = {"routing_key": keys[service], "event_action": action,
                                "dedup_key": dedup_key}
        if action == "trigger":
            body["payload"] = {"summary": f"{dedup_key} broke", "source": "host",
                               "severity": "error", **payload}
        assert client.post("/v2/enqueue", json=body).status_code == 202
        clock.advance(timedelta(seconds=1))

    send.keys = keys  # type: ignore[attr-defined]
    return send


def _get(client: TestClient, tokens: dict[str, str], url: str) -> Any:
    response = client.get(url, headers=bearer(tokens["viewer"]))
    assert response.status_code == 200, response.text
    return response.json()


def test_alerts_are_listed_newest_first_with_their_service(
    client: TestClient, tokens: dict[str, str], pd: Any
) -> None:
    pd("reader", "a")
    pd("dispatch", "b")
    pd("reader", "a")  # a repeat does not move the alert up: the order is creation
    page = _get(client, tokens, "/api/v1/alerts")
    assert [(a["dedup_key"], a["service"], a["count"]) for a in page["items"]] == [
        ("b", "dispatch", 1), ("a", "reader", 2)]
    assert page["next_cursor"] is None


def test_filters_by_service_status_and_held(
    client: TestClient, tokens: dict[str, str], pd: Any, db: Database, clock: FakeClock
) -> None:
    pd("reader", "r1")
    pd("reader", "r2")
    pd("dispatch", "d1")
    pd("reader", "r1", action="acknowledge")
    pd("reader", "r2", action="resolve")
    with db.transaction() as session:
        session.add(Silence(matchers={"matchers": ["service=dispatch"]}, starts_at=clock.now(),
                            ends_at=clock.now() + timedelta(hours=1), author="ann",
                            reason="noise", created_at=clock.now()))
    pd("dispatch", "d2")

    def keys(query: str) -> list[str]:
        return [a["dedup_key"] for a in _get(client, tokens, f"/api/v1/alerts?{query}")["items"]]

    assert keys("service=reader") == ["r2", "r1"]
    assert keys("status=resolved") == ["r2"]
    assert keys("status=acknowledged") == ["r1"]
    assert keys("status=open") == ["d2", "d1", "r1"]
    assert keys("service=dispatch&status=firing") == ["d2", "d1"]
    assert keys("held=true") == ["d2"]
    assert keys("held=false&service=dispatch") == ["d1"]


def test_pages_follow_the_cursor_without_gaps_or_repeats(
    client: TestClient, tokens: dict[str, str], pd: Any
) -> None:
    for i in range(7):
        pd("reader", f"k{i}")
    seen, url = [], "/api/v1/alerts?limit=3"
    while True:
        page = _get(client, tokens, url)
        seen.append([a["dedup_key"] for a in page["items"]])
        if page["next_cursor"] is None:
            break
        url = f"/api/v1/alerts?limit=3&cursor={page['next_cursor']}"
    assert seen == [["k6", "k5", "k4"], ["k3", "k2", "k1"], ["k0"]]


def test_bad_filters_are_named(client: TestClient, tokens: dict[str, str], pd: Any) -> None:
    viewer = bearer(tokens["viewer"])
    status = client.get("/api/v1/alerts?status=burning", headers=viewer)
    assert status.status_code == 422
    assert status.json()["error"]["fields"][0]["field"] == "status"
    assert client.get("/api/v1/alerts?cursor=abc", headers=viewer).status_code == 422
    assert client.get("/api/v1/alerts?service=nope", headers=viewer).status_code == 404
    assert client.get("/api/v1/alerts").status_code == 401


def test_one_alert_shows_its_newest_events_and_their_total(
    client: TestClient, tokens: dict[str, str], pd: Any
) -> None:
    pd("reader", "k", summary="first")
    pd("reader", "k", summary="second")
    pd("reader", "k", summary="third")
    pd("reader", "k", action="acknowledge")
    [listed] = _get(client, tokens, "/api/v1/alerts")["items"]
    alert = _get(client, tokens, f"/api/v1/alerts/{listed['id']}?events=2")
    assert (alert["summary"], alert["status"], alert["events_total"]) == ("third",
                                                                          "acknowledged", 4)
    assert [(e["action"], e["outcome"]) for e in alert["events"]] == [
        ("acknowledge", "acknowledged"), ("trigger", "repeated")]
    assert alert["events"][1]["payload"]["payload"]["summary"] == "third"
    assert alert["labels"] == {"source": "host", "severity": "error"}
    missing = client.get("/api/v1/alerts/999999", headers=bearer(tokens["viewer"]))
    assert missing.status_code == 404


def test_a_trigger_re_sent_unchanged_is_one_event_counted_with_its_repeats(
    client: TestClient, tokens: dict[str, str], pd: Any
) -> None:
    for _ in range(3):
        pd("reader", "k")
    pd("reader", "k", summary="worse")
    [listed] = _get(client, tokens, "/api/v1/alerts")["items"]
    alert = _get(client, tokens, f"/api/v1/alerts/{listed['id']}")
    assert (listed["count"], alert["events_total"]) == (4, 4)
    assert [(e["payload"]["payload"]["summary"], e["repeats"]) for e in alert["events"]] == [
        ("worse", 1), ("k broke", 3)]
    # The routing key is a credential, stored hashed: never in a payload viewers can read.
    assert all("routing_key" not in e["payload"] for e in alert["events"])


def test_change_events_of_a_service_newest_first(
    client: TestClient, tokens: dict[str, str], pd: Any
) -> None:
    for version in ("1.0", "1.1"):
        client.post("/v2/change/enqueue", json={
            "routing_key": pd.keys["reader"],
            "payload": {"summary": f"Deployed reader {version}", "source": "ci"}})
    page = _get(client, tokens, "/api/v1/services/reader/changes")
    assert [c["summary"] for c in page["items"]] == ["Deployed reader 1.1", "Deployed reader 1.0"]
    assert _get(client, tokens, "/api/v1/services/dispatch/changes")["items"] == []


def test_alert_lists_read_an_index_in_order_and_never_sort(
    sqlite_db: Database, clock: FakeClock
) -> None:
    """With a million alerts a page must stay a short index walk: for every filter the plan
    reads the alert table through an index in id order, with no temporary sort."""
    with sqlite_db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
    plans: list[str] = []

    def explain(conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM alert " in statement and not statement.startswith("EXPLAIN"):
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            plans.append(" | ".join(row[3] for row in rows))

    combos: list[dict[str, Any]] = [
        {}, {"service": "reader"}, {"status": "firing"}, {"status": "open"},
        {"service": "reader", "status": "resolved"}, {"service": "reader", "status": "open"},
        {"held": False}, {"service": "reader", "held": False},
    ]
    event.listen(sqlite_db.engine, "before_cursor_execute", explain)
    try:
        for combo in combos:
            plans.clear()
            with sqlite_db.read() as session:
                queries.list_alerts(session, before=10**9, **combo)
            assert plans, combo
            for plan in plans:
                assert "TEMP B-TREE" not in plan, (combo, plan)
                steps = [step for step in plan.split(" | ") if " alert " in f"{step} "]
                assert steps and all("USING" in step for step in steps), (combo, plan)
        # Held alerts are few: their own partial index finds them, and sorting them is cheap.
        for before in (None, 10**9):
            plans.clear()
            with sqlite_db.read() as session:
                queries.list_alerts(session, held=True, before=before)
            assert "INDEX ix_alert_held" in plans[0], plans
    finally:
        event.remove(sqlite_db.engine, "before_cursor_execute", explain)
