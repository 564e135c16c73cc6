"""The digest of annoying errors by each service's calendar and cadence, on SQLite and
PostgreSQL, with literal times: a New York office (09:00-17:00, US holidays); shop's digest is
daily at close of business, books' (`error_digests:` weekly) on the week's last business day,
Thursday 2 July 2026 since Friday the 3rd is the observed Independence Day."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.errors import actions, keys, triage
from onwatch.errors.digest import AnnoyingDigest
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.models import ErrorIssue
from onwatch.notifications.models import Notification
from tests.adapters.errors.envelopes import exception_event
from tests.integration.escalation.helpers import load

ORG = """\
people:
  - {handle: ann, name: Ann, email: ann@example.org, time_zone: Asia/Tokyo}
teams:
  - {name: payments, members: [ann], tech_lead: ann}
calendars:
  - name: office
    time_zone: America/New_York
    hours: [{days: mon-fri, opens: "09:00", closes: "17:00"}]
services:
  - {name: shop, team: payments, calendar: office}
  - {name: books, team: payments, calendar: office}
error_digests:
  - {service: books, every: weekly}
"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _annoying(db: Database, service: str, function: str, at: datetime) -> None:
    with db.transaction() as session:
        key = keys.create_key(session, service=service, actor="test", now=at)
        grant = keys.grant_for(session, key.public_key, key.service_id)
        event = orjson.dumps(exception_event(function=function))
        parsed, counts = actions.parse_events(
            Envelope({}, [Item("event", {"type": "event"}, event)])
        )
        actions.receive(session, grant, parsed, counts, peer=None, now=at, keep_samples=3)
    with db.transaction() as session:
        [issue] = session.scalars(select(ErrorIssue).where(ErrorIssue.culprit.endswith(function)))
        triage.triage(session, issue.id, "annoying", actor="test", now=at)


def _tick(db: Database, at: datetime) -> list[tuple[str, str]]:
    with db.transaction() as session:
        AnnoyingDigest("https://ow.example")(session, at)
    with db.read() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(n.idempotency_key, n.payload["text"]) for n in rows]


def test_daily_at_close_and_weekly_on_the_last_business_day(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)
    _annoying(db, "shop", "checkout", _at("2026-06-30 15:00"))  # Tuesday
    _annoying(db, "books", "ledger", _at("2026-06-30 15:05"))
    assert _tick(db, _at("2026-06-30 20:59")) == []  # 16:59 in New York
    [(key, text)] = _tick(db, _at("2026-06-30 21:00"))
    assert key.startswith("error-digest:") and ":2026-06-30:office:daily" in key
    assert "[shop]" in text and "[books]" not in text
    assert len(_tick(db, _at("2026-07-01 21:00"))) == 1  # Wednesday: books waits for the week
    told = _tick(db, _at("2026-07-02 21:00"))  # Thursday close: Friday is a holiday
    assert len(told) == 2
    key, text = told[1]
    assert ":2026-07-02:office:weekly" in key and "[books]" in text and "[shop]" not in text
    _annoying(db, "shop", "cart", _at("2026-07-03 15:00"))  # the holiday: no close today
    assert len(_tick(db, _at("2026-07-03 22:00"))) == 2
    told = _tick(db, _at("2026-07-06 21:00"))  # Monday close
    assert len(told) == 3 and ":2026-07-06:office:daily" in told[2][0]
