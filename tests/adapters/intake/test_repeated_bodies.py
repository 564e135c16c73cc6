"""A body sent again byte for byte is not parsed again (integrations.seen), yet everything after
parsing runs as for a new body: the key is checked, and what the alert became meanwhile decides
what the repeat does."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.integrations.keys import rotate_key
from tests.adapters.intake.payloads import am_alert, am_webhook, trigger
from tests.adapters.intake.stored import Keys, alerts, incidents, stored_rows


def test_a_body_sent_again_after_its_alert_resolved_opens_a_new_alert(
    client: TestClient, keys: Keys, db: Database
) -> None:
    url = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"
    firing = am_webhook(am_alert("DiskFull"))
    answers = [client.post(url, json=firing).json() for _ in range(3)]
    assert (
        answers
        == [{"status": "accepted", "events": 1, "created": 1}]
        + [{"status": "accepted", "events": 1, "repeated": 1}] * 2
    )
    assert len(client.app.state.intake_writer.seen) == 1  # parsed once, kept for the repeats
    [alert] = alerts(db)
    assert (alert.count, alert.event_count) == (3, 3)
    assert stored_rows(db)[1] == 1  # the repeats are counted on the first event, not stored

    resolved = am_webhook(am_alert("DiskFull", "resolved"))
    assert client.post(url, json=resolved).json()["resolved"] == 1
    assert client.post(url, json=firing).json()["created"] == 1
    first, second = alerts(db)
    assert (first.status, second.status, second.count) == ("resolved", "firing", 1)
    assert [incident.status for incident in incidents(db)] == ["resolved", "triggered"]


def test_a_body_seen_before_with_a_key_since_rotated_is_refused_and_nothing_stored(
    client: TestClient, keys: Keys, db: Database, clock: FakeClock
) -> None:
    old_url = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"
    firing = am_webhook(am_alert("DiskFull"))
    assert client.post(old_url, json=firing).status_code == 202
    with db.transaction() as session:
        new_key = rotate_key(session, name="reader-alertmanager", actor="test", now=clock.now()).key
    before = stored_rows(db)
    refused = client.post(old_url, json=firing)
    assert refused.status_code == 401
    assert "DiskFull" not in refused.text
    assert stored_rows(db) == before and alerts(db)[0].count == 1
    new_url = f"/api/v1/intake/alertmanager/{new_key}"
    assert client.post(new_url, json=firing).json()["repeated"] == 1
    assert alerts(db)[0].count == 2


def test_a_pagerduty_trigger_without_a_dedup_key_sent_twice_is_two_alerts(
    client: TestClient, keys: Keys, db: Database
) -> None:
    body = trigger(keys["pagerduty"])
    first, second = (client.post("/v2/enqueue", json=body).json() for _ in range(2))
    assert first["dedup_key"] != second["dedup_key"]
    assert sorted(a.dedup_key for a in alerts(db)) == sorted(
        [first["dedup_key"], second["dedup_key"]]
    )


def test_a_pagerduty_trigger_with_its_dedup_key_sent_again_is_counted_on_its_alert(
    client: TestClient, keys: Keys, db: Database
) -> None:
    body = trigger(keys["pagerduty"], "disk")
    answers = [client.post("/v2/enqueue", json=body).json() for _ in range(3)]
    assert {answer["dedup_key"] for answer in answers} == {"disk"}
    [alert] = alerts(db)
    assert (alert.dedup_key, alert.count) == ("disk", 3)
