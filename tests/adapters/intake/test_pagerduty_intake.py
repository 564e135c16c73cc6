"""PagerDuty Events API v2 over HTTP, case by case, answered as PagerDuty answers."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.integrations.models import Integration
from onwatch.web.context import AppContext
from tests.adapters.intake.loopback import serving
from tests.adapters.intake.payloads import follow_up, trigger
from tests.adapters.intake.stored import Keys, alerts, changes, incidents


def test_trigger_without_dedup_key_gets_one_and_it_is_returned(
    client: TestClient, keys: Keys, db: Database
) -> None:
    response = client.post("/v2/enqueue", json=trigger(keys["pagerduty"]))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "success" and body["message"] == "Event processed"
    [alert] = alerts(db)
    assert body["dedup_key"] == alert.dedup_key and len(alert.dedup_key) == 32
    assert (alert.summary, alert.severity, alert.status) == (
        "Disk 95% full on db1",
        "error",
        "firing",
    )
    [incident] = incidents(db)
    assert (incident.status, incident.severity, alert.incident_id) == (
        "triggered",
        "sev2",
        incident.id,
    )


def test_trigger_with_the_key_of_an_open_alert_joins_it(
    client: TestClient, keys: Keys, db: Database, clock: FakeClock
) -> None:
    first = client.post("/v2/enqueue", json=trigger(keys["pagerduty"], "disk-db1"))
    clock.advance(timedelta(minutes=2))
    again = client.post(
        "/v2/enqueue", json=trigger(keys["pagerduty"], "disk-db1", summary="Disk 97% full on db1")
    )
    assert [r.json()["dedup_key"] for r in (first, again)] == ["disk-db1", "disk-db1"]
    [alert] = alerts(db)
    assert (alert.count, alert.summary, alert.last_seen_at) == (
        2,
        "Disk 97% full on db1",
        clock.now(),
    )
    assert len(incidents(db)) == 1


def test_integers_too_large_for_64_bits_are_stored_exactly_and_repeats_still_fold(
    client: TestClient, keys: Keys, db: Database
) -> None:
    big = 123456789012345678901234567890
    event = trigger(keys["pagerduty"], "big", custom_details={"order": big})
    assert [client.post("/v2/enqueue", json=event).status_code for _ in range(2)] == [202, 202]
    [alert] = alerts(db)
    assert (alert.count, alert.details) == (2, {"order": big})


def test_acknowledge_and_resolve_for_unknown_key_are_dropped_but_accepted(
    client: TestClient, keys: Keys, db: Database
) -> None:
    for action in ("acknowledge", "resolve"):
        response = client.post("/v2/enqueue", json=follow_up(keys["pagerduty"], action, "nope"))
        assert response.status_code == 202
        assert response.json() == {
            "status": "success",
            "message": "Event processed",
            "dedup_key": "nope",
        }
    assert alerts(db) == []


def test_acknowledge_then_resolve_close_alert_and_incident(
    client: TestClient, keys: Keys, db: Database, clock: FakeClock
) -> None:
    key = keys["pagerduty"]
    client.post("/v2/enqueue", json=trigger(key, "k"))
    acked_at = clock.advance(timedelta(minutes=1))
    assert client.post("/v2/enqueue", json=follow_up(key, "acknowledge", "k")).status_code == 202
    [alert], [incident] = alerts(db), incidents(db)
    assert (alert.status, incident.status, incident.acknowledged_at) == (
        "acknowledged",
        "acknowledged",
        acked_at,
    )
    resolved_at = clock.advance(timedelta(minutes=1))
    assert client.post("/v2/enqueue", json=follow_up(key, "resolve", "k")).status_code == 202
    [alert], [incident] = alerts(db), incidents(db)
    assert (alert.status, incident.status, incident.resolved_at) == (
        "resolved",
        "resolved",
        resolved_at,
    )
    # A closed key is as unknown as a never-seen one: the acknowledge is dropped.
    client.post("/v2/enqueue", json=follow_up(key, "acknowledge", "k"))
    assert alerts(db)[0].event_count == 3


def test_trigger_after_resolve_opens_a_new_alert_and_incident(
    client: TestClient, keys: Keys, db: Database
) -> None:
    key = keys["pagerduty"]
    client.post("/v2/enqueue", json=trigger(key, "k"))
    client.post("/v2/enqueue", json=follow_up(key, "resolve", "k"))
    client.post("/v2/enqueue", json=trigger(key, "k"))
    assert [(a.dedup_key, a.status) for a in alerts(db)] == [("k", "resolved"), ("k", "firing")]
    assert [i.status for i in incidents(db)] == ["resolved", "triggered"]


def test_change_event_is_stored_on_the_service(
    client: TestClient, keys: Keys, db: Database
) -> None:
    change = {
        "routing_key": keys["pagerduty"],
        "payload": {
            "summary": "Deployed reader v2.4.1",
            "source": "github-actions",
            "timestamp": "2026-03-02T13:55:00Z",
            "custom_details": {"sha": "abc123"},
        },
        "links": [{"href": "https://ci.example.org/run/1", "text": "CI run"}],
    }
    response = client.post("/v2/change/enqueue", json=change)
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Change event processed"}
    [stored] = changes(db)
    assert (stored.summary, stored.source, stored.details) == (
        "Deployed reader v2.4.1",
        "github-actions",
        {"sha": "abc123"},
    )
    assert stored.occurred_at.isoformat() == "2026-03-02T13:55:00+00:00"
    assert alerts(db) == []


def test_events_over_the_key_rate_limit_get_429_until_the_bucket_refills(
    client: TestClient, keys: Keys, db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        session.execute(update(Integration).values(rate_limit=2))
    key = keys["pagerduty"]
    answers = [client.post("/v2/enqueue", json=trigger(key, f"k{i}")).status_code for i in range(3)]
    assert answers == [202, 202, 429]
    refused = client.post("/v2/enqueue", json=trigger(key, "k9"))
    assert refused.json()["status"] == "throttle event"
    assert refused.headers["retry-after"] == "1"
    assert [a.dedup_key for a in alerts(db)] == ["k0", "k1"]
    clock.advance(timedelta(seconds=30))  # 2 a minute: one token back
    assert client.post("/v2/enqueue", json=trigger(key, "k3")).status_code == 202


def test_sixty_four_concurrent_triggers_with_one_key_make_one_alert_counted_64(
    ctx: AppContext, keys: Keys, db: Database
) -> None:
    start = threading.Barrier(64)
    answers: list[int] = []

    pool = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with serving(ctx) as url, httpx.Client(base_url=url, timeout=60, limits=pool) as http:

        def send() -> None:
            start.wait()
            response = http.post("/v2/enqueue", json=trigger(keys["pagerduty"], "storm"))
            answers.append(response.status_code)

        threads = [threading.Thread(target=send) for _ in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert answers == [202] * 64
    [alert] = alerts(db)
    assert (alert.dedup_key, alert.status, alert.count, alert.event_count) == (
        "storm",
        "firing",
        64,
        64,
    )
    [incident] = incidents(db)
    assert incident.alert_count == 1


def test_a_trigger_that_opens_an_incident_wakes_the_engine(
    client: TestClient, keys: Keys, ctx: AppContext
) -> None:
    client.post("/v2/enqueue", json=trigger(keys["pagerduty"], "k"))
    assert ctx.engine_wakeup.is_set()
    ctx.engine_wakeup.clear()
    client.post("/v2/enqueue", json=trigger(keys["pagerduty"], "k"))  # a repeat: nothing new
    assert not ctx.engine_wakeup.is_set()
