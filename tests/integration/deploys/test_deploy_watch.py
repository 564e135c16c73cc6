"""The watch step on a real database: a regression and a rise in error rate in the deployed
release become findings told to the deployer once each; other releases and services are not the
deploy's; the deploy is marked watched with a summary when its window ends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.deploys import queries
from onwatch.deploys.actions import DeploySpec, Watch, record
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.errors import actions, keys
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.keys import KeyGrant
from onwatch.errors.models import ErrorIssue
from onwatch.notifications.models import Notification
from tests.adapters.errors.envelopes import exception_event

DEPLOYER = "dev@example.org"


@pytest.fixture
def grant(db: Database, clock: FakeClock) -> KeyGrant:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="shop"), actor="test", now=clock.now())
        key = keys.create_key(session, service="shop", actor="test", now=clock.now())
        return keys.grant_for(session, key.public_key, key.service_id)


def _send(db: Database, grant: KeyGrant, clock: FakeClock, release: str, **more: Any) -> None:
    event = exception_event(release=release, **more)
    items = [Item("event", {"type": "event"}, orjson.dumps(event))]
    parsed, counts = actions.parse_events(Envelope({}, items))
    with db.transaction() as session:
        actions.receive(
            session, grant, parsed, counts, peer="198.51.100.1", now=clock.now(), keep_samples=3
        )


def _deploy(db: Database, clock: FakeClock, release: str = "shop@2.1.0") -> int:
    spec = DeploySpec("shop", release, clock.now(), "cli", deployer=DEPLOYER)
    with db.transaction() as session:
        return record(session, spec, clock.now()).id


def _tick(db: Database, clock: FakeClock) -> int:
    with db.transaction() as session:
        return Watch(base_url="https://onwatch.example.org")(session, clock.now())


def _told(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(n.idempotency_key, n.destination["address"]) for n in rows]


def _kinds(db: Database, deploy: int) -> list[str]:
    with db.read() as session:
        return [f.kind for f in queries.findings_of(session, deploy)]


def test_a_regression_in_the_release_is_told_to_the_deployer_once(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    _send(db, grant, clock, "shop@2.0.0")
    with db.transaction() as session:
        [issue] = session.scalars(select(ErrorIssue))
        actions.resolve(session, issue.id, mode="now", release=None, actor="t", now=clock.now())
    clock.advance(timedelta(hours=1))
    deploy = _deploy(db, clock)
    clock.advance(timedelta(minutes=5))
    _send(db, grant, clock, "shop@2.1.0")
    _tick(db, clock)
    _tick(db, clock)
    assert _kinds(db, deploy) == ["regressed"]
    assert _told(db) == [(f"deploy:{deploy}:regressed:issue:{issue.id}", DEPLOYER)]


def test_twice_the_rate_of_the_hour_before_is_a_rise_and_the_window_end_marks_it_watched(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    for _ in range(6):  # 6 in the hour before: 0.1 a minute
        _send(db, grant, clock, "shop@2.0.0")
        clock.advance(timedelta(minutes=10))
    deploy = _deploy(db, clock)
    for _ in range(10):  # 10 in 10 minutes: 1 a minute
        clock.advance(timedelta(minutes=1))
        _send(db, grant, clock, "shop@2.1.0")
    _send(db, grant, clock, "shop@2.0.0")  # an older release still running: not this deploy's
    _tick(db, clock)
    assert _kinds(db, deploy) == ["rate"]
    with db.read() as session:
        [finding] = queries.findings_of(session, deploy)
        assert finding.detail == {"per_minute": 1.0, "per_minute_before": 0.1}
        assert queries.deploy(session, deploy)[0].watched_at is None
    clock.advance(timedelta(hours=2))
    _tick(db, clock)
    with db.read() as session:
        watched = queries.deploy(session, deploy)[0]
    assert watched.watched_at == clock.now()
    assert watched.summary == {"new": 0, "regressed": 0, "rate": 1, "events": 10}
    assert len(_told(db)) == 1


def test_a_deploy_with_a_bad_field_is_refused_naming_it(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="shop"), actor="test", now=clock.now())
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        record(session, DeploySpec("shop", " ", clock.now(), "cli", watch_minutes=0), clock.now())
    assert {e.field for e in refused.value.errors} == {"release", "watch_minutes"}
