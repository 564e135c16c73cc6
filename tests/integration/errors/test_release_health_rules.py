"""Release health rules in the engine, on SQLite and PostgreSQL: 500 sessions of a release under
99 % crash-free open an alert of the service through alert intake (an incident that pages its
escalation policy, as any alert), fewer than min_sessions open nothing, the alert is raised once
while it fires and resolved when the rate recovers or the rule goes away."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.models import Alert
from onwatch.config.apply import apply
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.errors import keys
from onwatch.errors.health.rules import EXAMPLE
from onwatch.errors.models import ErrorHealthFiring
from onwatch.incidents.models import Incident
from onwatch.notifications.models import Notification
from tests.adapters.errors.conftest import Project
from tests.integration.errors.test_release_sessions import post

CONFIG = (
    """\
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
escalation_policies:
  - name: checkout-paging
    steps:
      - targets: [{person: ann}]
        delay: 15m
services:
  - {name: checkout, escalation_policy: checkout-paging}
"""
    + EXAMPLE
)
KEY = "release-health:crash-free-sessions:production:shop@2.0.0"


def configure(db: Database, clock: FakeClock, text: str, prune: bool = False) -> None:
    with db.transaction() as session:
        plan = apply(session, load(text), prune=prune, actor="test", now=clock.now())
        assert not getattr(plan, "errors", None)


@pytest.fixture
def checkout(db: Database, clock: FakeClock) -> Project:
    configure(db, clock, CONFIG)
    with db.transaction() as session:
        key = keys.create_key(session, service="checkout", actor="test", now=clock.now())
        return Project("checkout", key.service_id, key.public_key)


def sessions(
    client: TestClient, project: Project, exited: int, crashed: int, release: str = "shop@2.0.0"
) -> None:
    payload: dict[str, Any] = {
        "attrs": {"release": release, "environment": "production"},
        "aggregates": [{"started": "2026-03-02T14:00:00Z", "exited": exited, "crashed": crashed}],
    }
    answer = post(client, project, ("sessions", payload))
    assert answer.status_code == 200, answer.text


def alerts(db: Database) -> list[Alert]:
    with db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_a_release_under_99_percent_after_500_sessions_pages_through_its_alert(
    db: Database, clock: FakeClock, client: TestClient, checkout: Project
) -> None:
    engine = build_engine(db, clock)
    sessions(client, checkout, exited=494, crashed=6)  # 98.8 % crash-free
    assert engine.tick().done["release_health"] == 1
    [alert] = alerts(db)
    assert (alert.dedup_key, alert.status, alert.severity) == (KEY, "firing", "critical")
    assert alert.labels["release"] == "shop@2.0.0" and alert.source == "checkout"
    assert "98.80% below 99% over 500 sessions" in alert.summary
    # Still firing: no second trigger, so the alert is not counted again; the escalation
    # step (earlier in the tick) pages the policy's first step, Ann, as for any alert.
    assert engine.tick().done["release_health"] == 0
    [same] = alerts(db)
    with db.read() as session:
        incident = session.get(Incident, alert.incident_id)
        assert incident is not None and incident.service_id == checkout.project_id
        pages = list(session.scalars(select(Notification).where(Notification.kind == "page")))
    assert [(p.incident_id, p.label) for p in pages] == [(incident.id, "Ann Archer by email")]
    assert same.count == alert.count


def test_fewer_sessions_than_min_sessions_open_nothing(
    db: Database, clock: FakeClock, client: TestClient, checkout: Project
) -> None:
    engine = build_engine(db, clock)
    sessions(client, checkout, exited=400, crashed=99)  # 499 sessions, 80 % crash-free
    assert engine.tick().done["release_health"] == 0
    assert alerts(db) == []


def test_the_alert_resolves_when_the_rate_recovers(
    db: Database, clock: FakeClock, client: TestClient, checkout: Project
) -> None:
    engine = build_engine(db, clock)
    sessions(client, checkout, exited=490, crashed=10)
    engine.tick()
    sessions(client, checkout, exited=500, crashed=0)  # 10 crashed of 1,000: 99.0 %
    assert engine.tick().done["release_health"] == 1
    [alert] = alerts(db)
    assert alert.status == "resolved"
    with db.read() as session:
        assert session.scalars(select(ErrorHealthFiring)).all() == []


def test_another_release_or_environment_has_its_own_alert_and_a_removed_rule_resolves(
    db: Database, clock: FakeClock, client: TestClient, checkout: Project
) -> None:
    engine = build_engine(db, clock)
    sessions(client, checkout, exited=480, crashed=20)
    sessions(client, checkout, exited=480, crashed=20, release="shop@2.1.0")
    assert engine.tick().done["release_health"] == 2
    assert sorted(a.dedup_key.rsplit(":", 1)[1] for a in alerts(db)) == [
        "shop@2.0.0",
        "shop@2.1.0",
    ]
    without = CONFIG.split("release_health_rules:")[0]
    configure(db, clock, without, prune=True)
    assert engine.tick().done["release_health"] == 2
    assert {a.status for a in alerts(db)} == {"resolved"}
