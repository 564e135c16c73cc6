"""SLI rules end to end (seed 000): rules from the config file, samples posted to the metrics
intake over HTTP, the engine ticked by hand; each rule fires, holds through a flap, and clears."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import Alert, MetricSampleRecord, SliRule
from onwatch.config.apply import apply
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.engine.loop import Engine
from onwatch.incidents.models import Incident
from onwatch.integrations.keys import create_integration

CONFIG = """\
services:
  - name: appointments
  - name: scheduling-api
    controlled: false
sli_rules:
  - service: appointments
    rules:
      - {name: breaker-open, kind: breaker, clear_for: 2m}
      - {name: slow, kind: latency, percentile: p95, above: 8, for: 5m, clear_for: 5m}
      - {name: errors, kind: error_rate, above_percent: 5, min_requests: 100, window: 5m}
"""


@pytest.fixture
def key(db: Database, clock: FakeClock) -> str:
    with db.transaction() as session:
        apply(session, load(CONFIG), prune=False, actor="test", now=clock.now())
        return create_integration(
            session,
            name="appointments-metrics",
            service="appointments",
            kind="metrics",
            actor="test",
            now=clock.now(),
        ).key


@pytest.fixture
def engine(db: Database, clock: FakeClock) -> Engine:
    return build_engine(db, clock)


class Feed:
    """Posts one sample a minute and ticks the engine after each, as a service and onwatch
    would run side by side."""

    def __init__(self, client: TestClient, key: str, clock: FakeClock, engine: Engine) -> None:
        self.client, self.key, self.clock, self.engine = client, key, clock, engine

    def minute(self, **sample: Any) -> int:
        self.clock.advance(timedelta(minutes=1))
        body = {"at": self.clock.now().isoformat(), **sample}
        response = self.client.post(f"/api/v1/intake/metrics/{self.key}", json=body)
        assert response.status_code == 202, response.text
        return self.engine.tick().done["sli_rules"]


@pytest.fixture
def feed(client: TestClient, key: str, clock: FakeClock, engine: Engine) -> Feed:
    return Feed(client, key, clock, engine)


def state(db: Database, name: str) -> str | None:
    with db.read() as session:
        return session.scalar(
            select(Alert.status).where(Alert.dedup_key == f"sli:{name}").order_by(Alert.id.desc())
        )


def test_latency_rule_fires_after_five_slow_minutes_ignores_a_flap_and_clears(
    feed: Feed, db: Database
) -> None:
    for _ in range(4):
        feed.minute(requests=10, p95=9.5)
    feed.minute(requests=10, p95=1.2)  # one good minute restarts the count
    for _ in range(5):
        assert feed.minute(requests=10, p95=9.5) == 0
    assert state(db, "slow") is None
    assert feed.minute(requests=10, p95=9.5) == 1  # five minutes above 8 s since the flap
    assert state(db, "slow") == "firing"
    with db.read() as session:
        [incident] = session.scalars(select(Incident)).all()
        alert = session.scalar(select(Alert).where(Alert.dedup_key == "sli:slow"))
    assert (incident.status, incident.severity, alert.incident_id) == (
        "triggered",
        "sev1",
        incident.id,
    )
    assert "p95 latency 9.5 s: above 8 s" in alert.summary

    for _ in range(4):
        feed.minute(requests=10, p95=2.0)
    feed.minute(requests=10, p95=12.0)  # one slow minute while clearing restarts that count
    for _ in range(5):
        feed.minute(requests=10, p95=2.0)
    assert state(db, "slow") == "firing"
    assert feed.minute(requests=10, p95=2.0) == 1
    assert state(db, "slow") == "resolved"
    with db.read() as session:
        assert session.scalar(select(Incident.status)) == "resolved"


def test_error_rate_rule_needs_the_minimum_request_count_then_fires_and_clears(
    feed: Feed, db: Database
) -> None:
    for _ in range(5):  # 50 % errors, but only 80 requests in any five minutes
        feed.minute(requests=16, errors=8)
    assert state(db, "errors") is None
    assert feed.minute(requests=200, errors=30) == 1
    assert state(db, "errors") == "firing"
    with db.read() as session:
        reason = session.scalar(select(SliRule.reason).where(SliRule.name == "errors"))
    # The five-minute window holds 4 quiet minutes and this one: 62 errors in 264 requests.
    assert reason.startswith("error rate 23.5 % over 5m: above 5 %")
    minutes = 0
    while state(db, "errors") == "firing":
        feed.minute(requests=200, errors=0)
        minutes += 1
    # The window is down to 4.7 % (38 errors in 816 requests) at the third good minute, and
    # the rule clears five minutes later.
    assert (minutes, state(db, "errors")) == (8, "resolved")


def test_breaker_rule_fires_at_once_and_clears_after_two_closed_minutes(
    feed: Feed, db: Database
) -> None:
    assert feed.minute(breaker_open=False) == 0
    assert feed.minute(breaker_open=True) == 1
    assert state(db, "breaker-open") == "firing"
    assert feed.minute(breaker_open=True) == 0  # no second alert while it stays open
    feed.minute(breaker_open=False)
    feed.minute(breaker_open=False)
    assert state(db, "breaker-open") == "firing"
    assert feed.minute(breaker_open=False) == 1
    assert state(db, "breaker-open") == "resolved"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_samples_may_come_in_batches_and_a_retry_replaces_rather_than_doubles(
    client: TestClient, key: str, clock: FakeClock, db: Database
) -> None:
    at = clock.now().isoformat()
    body = {"samples": [{"at": at, "requests": 5}, {"at": at, "requests": 7, "errors": 1}]}
    assert client.post(f"/api/v1/intake/metrics/{key}", json=body).json() == {
        "status": "accepted",
        "samples": 1,
    }
    headers = {"Authorization": f"Bearer {key}"}
    response = client.post(
        "/api/v1/intake/metrics", json={"at": at, "requests": 9}, headers=headers
    )
    assert response.status_code == 202
    with db.read() as session:
        [row] = session.scalars(select(MetricSampleRecord)).all()
    assert (row.requests, row.errors) == (9, 0)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"at": "2026-03-02T14:00:00Z", "requests": 1, "errors": 2}, 422, ""),
        ({"samples": [{"at": "2026-03-02T14:00:00Z"}, {"requests": 3}]}, 422, "samples[1].at"),
        ({"at": "2026-03-02T15:00:00Z"}, 422, "at"),
        ({"at": "2026-02-28T14:00:00Z"}, 422, "at"),
        ({"at": "2026-03-02T14:00:00", "requests": 1}, 422, "at"),
        ({"at": "2026-03-02T14:00:00Z", "p95": -1}, 422, "p95"),
        ({"samples": []}, 422, "samples"),
    ],
)
def test_bad_samples_are_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, key: str, db: Database, body: dict, status: int, field: str
) -> None:
    response = client.post(f"/api/v1/intake/metrics/{key}", json=body)
    assert response.status_code == status, response.text
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MetricSampleRecord)) == 0


def test_not_json_is_400_and_keys_are_checked(
    client: TestClient, key: str, db: Database, clock: FakeClock
) -> None:
    assert client.post(f"/api/v1/intake/metrics/{key}", content=b"{nope").status_code == 400
    sample = {"at": clock.now().isoformat()}
    assert client.post("/api/v1/intake/metrics/owi_unknown", json=sample).status_code == 401
    assert client.post("/api/v1/intake/metrics", json=sample).status_code == 401
    with db.transaction() as session:
        other = create_integration(
            session,
            name="am",
            service="appointments",
            kind="alertmanager",
            actor="test",
            now=clock.now(),
        ).key
    assert client.post(f"/api/v1/intake/metrics/{other}", json=sample).status_code == 403


def test_old_samples_are_pruned_by_the_engine(
    client: TestClient, key: str, clock: FakeClock, engine: Engine, db: Database
) -> None:
    client.post(f"/api/v1/intake/metrics/{key}", json={"at": clock.now().isoformat()})
    clock.advance(timedelta(hours=24))
    assert engine.tick().done["metric_samples"] == 0
    clock.advance(timedelta(seconds=1))
    assert engine.tick().done["metric_samples"] == 1


def test_rule_states_are_listed_for_viewers(
    client: TestClient, key: str, tokens: dict[str, str], feed: Feed
) -> None:
    feed.minute(breaker_open=True)
    rules = client.get(
        "/api/v1/sli-rules", headers={"Authorization": f"Bearer {tokens['viewer']}"}
    ).json()
    assert [(r["name"], r["firing"]) for r in rules] == [
        ("breaker-open", True),
        ("slow", False),
        ("errors", False),
    ]
