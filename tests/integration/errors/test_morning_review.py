"""The morning review with a fake clock: when the team's business day opens, its tech lead gets
one e-mail listing the error issues new or regressed since close of business the day before; and
the review page that lists them."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.calendars.actions import put_calendar
from onwatch.calendars.specs import CalendarSpec
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_person, put_service, put_team
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec
from onwatch.engine.assembly import build_engine
from onwatch.errors import actions, keys
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.keys import KeyGrant
from onwatch.errors.models import ErrorIssue
from onwatch.notifications.models import Notification
from tests.adapters.errors.envelopes import exception_event
from tests.adapters.web.test_pages import sign_in, text_of

OFFICE = {
    "name": "office",
    "time_zone": "America/New_York",
    "hours": [{"days": "mon-fri", "opens": "09:00", "closes": "17:00"}],
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def grants(db: Database, clock: FakeClock) -> dict[str, KeyGrant]:
    now = clock.now()
    with db.transaction() as session:
        put_calendar(session, CalendarSpec.model_validate(OFFICE), actor="test", now=now)
        for handle in ("ann", "bob"):
            spec = PersonSpec(handle=handle, name=handle.title(), email=f"{handle}@example.org")
            put_person(session, spec, actor="test", now=now)
        put_team(session, TeamSpec(name="payments", tech_lead="ann"), actor="test", now=now)
        put_team(session, TeamSpec(name="search", tech_lead="bob"), actor="test", now=now)
        found = {}
        for service, team in (("shop", "payments"), ("finder", "search")):
            spec = ServiceSpec(name=service, team=team, calendar="office")
            put_service(session, spec, actor="test", now=now)
            key = keys.create_key(session, service=service, actor="test", now=now)
            found[service] = keys.grant_for(session, key.public_key, key.service_id)
        return found


def _send(db: Database, grant: KeyGrant, at: datetime, function: str) -> int:
    """One event raised in `function`; the id of its issue."""
    event = exception_event(function=function)
    parsed, counts = actions.parse_events(
        Envelope({}, [Item("event", {"type": "event"}, orjson.dumps(event))])
    )
    with db.transaction() as session:
        actions.receive(session, grant, parsed, counts, peer=None, now=at, keep_samples=3)
        culprit = f"shop.views in {function}"
        return session.scalars(select(ErrorIssue.id).where(ErrorIssue.culprit == culprit)).one()


def reviews(db: Database) -> list[tuple[str, str, str, str]]:
    with db.read() as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.idempotency_key.like("errors-review:%"))
            .order_by(Notification.id)
        )
        return [
            (r.idempotency_key, r.destination["address"], r.payload["title"], r.payload["text"])
            for r in rows
        ]


def test_the_tech_lead_gets_the_issues_new_or_regressed_since_close_of_business_at_opening(
    db: Database, clock: FakeClock, grants: dict[str, KeyGrant]
) -> None:
    # Monday 2 March 2026, New York (UTC-5): open 14:00 to 22:00 UTC.
    shop, finder = grants["shop"], grants["finder"]
    old = _send(db, shop, _at("2026-03-02 15:00"), "checkout")
    _send(db, shop, _at("2026-03-02 16:00"), "cart")  # in hours, seen again after: ongoing
    with db.transaction() as session:
        actions.resolve(session, old, mode="now", release=None, actor="ann",
                        now=_at("2026-03-02 17:00"))  # fmt: skip
    _send(db, shop, _at("2026-03-02 21:59"), "refund")  # new, but before close
    _send(db, shop, _at("2026-03-02 23:00"), "cart")
    _send(db, shop, _at("2026-03-03 01:00"), "checkout")  # regressed after close
    _send(db, shop, _at("2026-03-03 02:00"), "invoice")  # new after close
    _send(db, shop, _at("2026-03-03 03:00"), "invoice")
    _send(db, finder, _at("2026-03-03 04:00"), "lookup")  # another team's
    engine = build_engine(db, clock)

    engine.tick(_at("2026-03-03 13:59"))
    assert reviews(db) == []
    engine.tick(_at("2026-03-03 14:00"))
    engine.tick(_at("2026-03-03 14:05"))
    [payments, search] = reviews(db)
    key, address, title, text = payments
    assert (key, address) == ("errors-review:payments:2026-03-03", "ann@example.org")
    assert title == "Morning error review: payments, 2 issues since close of business"
    assert text.splitlines()[:6] == [
        "Error issues for payments since close of business (2026-03-02 22:00 UTC):",
        "",
        "New (1):",
        "- [shop] ValueError: order 1234 not found — 2 events (issue 4)",
        "",
        "Regressed (1):",
    ]
    assert "- [shop] ValueError: order 1234 not found — 1 event (issue 1)" in text
    assert "/errors/review?team=payments" in text
    assert search[:3] == (
        "errors-review:search:2026-03-03",
        "bob@example.org",
        "Morning error review: search, 1 issue since close of business",
    )


def test_a_quiet_night_sends_nothing_and_weekends_wait_for_monday(
    db: Database, clock: FakeClock, grants: dict[str, KeyGrant]
) -> None:
    _send(db, grants["shop"], _at("2026-03-06 23:00"), "checkout")  # Friday after close
    engine = build_engine(db, clock)
    engine.tick(_at("2026-03-07 14:00"))  # Saturday: closed
    assert reviews(db) == []
    engine.tick(_at("2026-03-09 14:30"))  # Monday 10:30 New York (daylight time since Sunday)
    [(key, _, _, text)] = reviews(db)  # search had a quiet weekend
    assert key == "errors-review:payments:2026-03-09"
    assert "since close of business (2026-03-06 22:00 UTC)" in text
    assert "New (1):" in text


def test_the_review_page_shows_a_teams_issues_since_close_of_business(
    db: Database, clock: FakeClock, grants: dict[str, KeyGrant], client: TestClient
) -> None:
    _send(db, grants["shop"], _at("2026-03-02 15:00"), "checkout")  # in hours: not shown
    _send(db, grants["shop"], _at("2026-03-02 23:00"), "invoice")
    _send(db, grants["finder"], _at("2026-03-02 23:30"), "lookup")
    clock.advance(_at("2026-03-03 14:30") - clock.now())
    sign_in(client, db, clock)
    shown = text_of(client.get("/errors/review?team=payments").text)
    assert "Since close of business" in shown and "New (1)" in shown
    assert "Regressed (0)" in shown and "None." in shown
    assert "shop" in shown and "finder" not in shown
    assert client.get("/errors/review?team=nobody").status_code == 404
    assert "choose" in text_of(client.get("/errors/review").text)
