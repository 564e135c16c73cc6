"""A service's post-deploy watch window from config (`deploy_watches:`), on SQLite and PostgreSQL:
a deploy of a service with 90m is watched until exactly 90 minutes after it, one of a service
without a window for the default 2 h, and a deploy's own watch_minutes wins; a window out of
bounds, not in whole minutes or of an unknown service is refused naming it, nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.deploys import queries
from onwatch.deploys.actions import DeploySpec, Watch, record
from onwatch.deploys.config import watch_specs
from onwatch.deploys.models import DeployWatch
from tests.integration.escalation.helpers import load

ORG = """\
services:
  - {name: shop}
  - {name: search}
deploy_watches:
  - {service: shop, window: 90m}
"""


def _deploy(db: Database, clock: FakeClock, service: str, minutes: int | None = None) -> int:
    spec = DeploySpec(service, f"{service}@2", clock.now(), "cli", watch_minutes=minutes)
    with db.transaction() as session:
        return record(session, spec, clock.now()).id


def _watched(db: Database, clock: FakeClock, *deploys: int) -> list[bool]:
    with db.transaction() as session:
        Watch()(session, clock.now())
    with db.read() as session:
        return [queries.deploy(session, d)[0].watched_at is not None for d in deploys]


def test_each_service_is_watched_for_its_own_window(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)
    shop, search = _deploy(db, clock, "shop"), _deploy(db, clock, "search")
    own = _deploy(db, clock, "shop", minutes=30)
    clock.advance(timedelta(minutes=29))
    assert _watched(db, clock, shop, search, own) == [False, False, False]
    clock.advance(timedelta(minutes=1))
    assert _watched(db, clock, shop, search, own) == [False, False, True]
    clock.advance(timedelta(minutes=59))  # 89m
    assert _watched(db, clock, shop, search, own) == [False, False, True]
    clock.advance(timedelta(minutes=1))  # 90m
    assert _watched(db, clock, shop, search, own) == [True, False, True]
    clock.advance(timedelta(minutes=29))  # 119m
    assert _watched(db, clock, search) == [False]
    clock.advance(timedelta(minutes=1))  # 2 h, the default
    assert _watched(db, clock, search) == [True]
    with db.read() as session:
        assert [(s.service, s.window) for s in watch_specs(session)] == [
            ("shop", timedelta(minutes=90))
        ]


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("{service: shop, window: 0m}", "must be from 1m to 7d"),
        ("{service: shop, window: 8d}", "must be from 1m to 7d"),
        ("{service: shop, window: 90s}", "must be whole minutes"),
        ("{service: shop, window: soon}", "expected a duration"),
        ("{service: nowhere, window: 1h}", "no service 'nowhere'"),
        ("{service: shop}", "window"),
    ],
)
def test_a_bad_window_is_refused_naming_it(
    db: Database, clock: FakeClock, entry: str, says: str
) -> None:
    doc = document.load(f"services:\n  - {{name: shop}}\ndeploy_watches:\n  - {entry}\n", "org")
    problems = [str(e) for e in doc.errors]
    if not problems:
        with pytest.raises(Invalid) as refused, db.transaction() as session:
            apply(session, doc, prune=False, actor="test", now=clock.now())
        problems = [str(e) for e in refused.value.errors]
    assert any(p.startswith("deploy_watches[0]") and says in p for p in problems), problems
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(DeployWatch)) == 0
