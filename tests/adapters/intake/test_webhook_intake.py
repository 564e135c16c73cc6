"""Alertmanager, Grafana, Datadog and generic webhooks over HTTP: key in the URL or as a bearer
token, a summary of what happened to each event, and incidents opened and resolved."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.core.db import Database
from onwatch.integrations.datadog import DATADOG_PAYLOAD_TEMPLATE
from tests.adapters.intake.payloads import am_alert, am_webhook
from tests.adapters.intake.stored import Keys, alerts, incidents


def test_alertmanager_batch_opens_one_incident_and_resolves_it(
    client: TestClient, keys: Keys, db: Database
) -> None:
    url = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"
    firing = am_webhook(am_alert("DiskFull"), am_alert("HighLatency"), futureField={"x": 1})
    response = client.post(url, json=firing)
    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "events": 2, "created": 2}
    first, second = alerts(db)
    assert (first.dedup_key, first.severity, first.summary) == (
        "fp-DiskFull",
        "critical",
        "DiskFull on db1",
    )
    assert first.labels["alertname"] == "DiskFull"
    assert first.generator_url == "http://prometheus.example/graph?g0.expr=up"
    assert first.details["groupLabels"] == {"alertname": "DiskFull"}
    [incident] = incidents(db)
    assert (incident.alert_count, incident.severity) == (2, "sev1")

    resolved = am_webhook(am_alert("DiskFull", "resolved"), am_alert("HighLatency", "resolved"))
    assert client.post(url, json=resolved).json() == {
        "status": "accepted",
        "events": 2,
        "resolved": 2,
    }
    assert [a.status for a in alerts(db)] == ["resolved", "resolved"]
    assert incidents(db)[0].status == "resolved"


def test_key_may_be_sent_as_a_bearer_token(client: TestClient, keys: Keys, db: Database) -> None:
    response = client.post(
        "/api/v1/intake/alertmanager",
        json=am_webhook(am_alert("DiskFull")),
        headers={"Authorization": f"Bearer {keys['alertmanager']}"},
    )
    assert response.status_code == 202
    assert len(alerts(db)) == 1


def test_grafana_webhook_opens_an_incident_with_its_links(
    client: TestClient, keys: Keys, db: Database
) -> None:
    alert = {
        **am_alert("CPU"),
        "dashboardURL": "http://grafana.example/d/1",
        "panelURL": "http://grafana.example/d/1?viewPanel=2",
        "valueString": "[ var='A' ]",
    }
    body = {
        **am_webhook(alert),
        "orgId": 1,
        "title": "[FIRING:1] CPU",
        "state": "alerting",
        "message": "CPU high",
    }
    response = client.post(f"/api/v1/intake/grafana/{keys['grafana']}", json=body)
    assert response.json() == {"status": "accepted", "events": 1, "created": 1}
    [stored] = alerts(db)
    assert [link["text"] for link in stored.links["links"]] == ["Source", "Dashboard", "Panel"]
    assert stored.details["valueString"] == "[ var='A' ]"
    assert len(incidents(db)) == 1


def test_datadog_webhook_from_the_documented_template_triggers_and_recovers(
    client: TestClient, keys: Keys, db: Database
) -> None:
    filled = (
        DATADOG_PAYLOAD_TEMPLATE.replace("$ALERT_ID", "1234")
        .replace("$AGGREG_KEY", "agg-1")
        .replace("$ALERT_TRANSITION", "Triggered")
        .replace("$ALERT_TITLE", "[P1] Error rate high on reader")
        .replace("$ALERT_PRIORITY", "P1")
        .replace("$TAGS", "env:prod,app:reader")
        .replace("$DATE", "1772459940000")
    )
    url = f"/api/v1/intake/datadog/{keys['datadog']}"
    assert client.post(url, content=filled).json()["created"] == 1
    [stored] = alerts(db)
    assert (stored.dedup_key, stored.severity, stored.labels["app"]) == (
        "agg-1",
        "critical",
        "reader",
    )
    recovered = filled.replace('"Triggered"', '"Recovered"')
    assert client.post(url, content=recovered).json()["resolved"] == 1
    assert incidents(db)[0].status == "resolved"


def test_generic_webhook_takes_one_alert_or_an_array(
    client: TestClient, keys: Keys, db: Database
) -> None:
    url = f"/api/v1/intake/generic/{keys['generic']}"
    one = {"summary": "Backup job failed", "severity": "error", "labels": {"job": "backup"}}
    assert client.post(url, json=one).json() == {"status": "accepted", "events": 1, "created": 1}
    many = [one, {"dedup_key": "cron-7", "summary": "cron 7 late"}]
    assert client.post(url, json=many).json() == {
        "status": "accepted",
        "events": 2,
        "created": 1,
        "repeated": 1,
    }
    resolve = {"status": "resolved", "labels": {"job": "backup"}}
    assert client.post(url, json=resolve).json()["resolved"] == 1
    assert [(a.summary, a.status, a.count) for a in alerts(db)] == [
        ("Backup job failed", "resolved", 2),
        ("cron 7 late", "firing", 1),
    ]


def test_event_with_nothing_to_say_is_accepted_and_stores_nothing(
    client: TestClient, keys: Keys, db: Database
) -> None:
    pending = {"ruleId": 3, "ruleName": "CPU", "state": "pending"}
    response = client.post(f"/api/v1/intake/grafana/{keys['grafana']}", json=pending)
    assert response.json() == {"status": "accepted", "events": 0}
    assert alerts(db) == []
