"""Merging error issues by hand on a real database: counts add up, later events of a merged hash
land in the target, issues of another service are refused with nothing changed, audited."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.errors import actions, keys, merging, queries
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.keys import KeyGrant
from onwatch.errors.models import ErrorAffected, ErrorEvent, ErrorHour, ErrorIssue, ErrorSample
from tests.adapters.errors.envelopes import exception_event


def _grant(db: Database, clock: FakeClock, service: str) -> KeyGrant:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name=service), actor="test", now=clock.now())
        key = keys.create_key(session, service=service, actor="test", now=clock.now())
        return keys.grant_for(session, key.public_key, key.service_id)


def _send(db: Database, grant: KeyGrant, clock: FakeClock, event: dict) -> None:
    parsed, counts = actions.parse_events(Envelope({}, [Item("event", {}, orjson.dumps(event))]))
    with db.transaction() as session:
        actions.receive(
            session, grant, parsed, counts, peer="198.51.100.1", now=clock.now(), keep_samples=3
        )


def _issues(db: Database) -> dict[str, ErrorIssue]:
    with db.read() as session:
        return {i.culprit: i for i in session.scalars(select(ErrorIssue))}


def test_merged_issues_add_up_and_later_events_of_their_hash_land_in_the_target(
    db: Database, clock: FakeClock
) -> None:
    shop = _grant(db, clock, "shop")
    for n, function in enumerate(["pay", "pay", "cart", "cart", "cart", "login"]):
        user = {"id": f"u-{n}", "ip_address": f"203.0.113.{n % 2}"}
        tags = {"browser": "Firefox" if n % 2 else "Chrome"}
        _send(db, shop, clock, exception_event(function, user=user, tags=tags,
                                               release=f"shop@1.{n}"))  # fmt: skip
        clock.advance(timedelta(minutes=50))
    found = _issues(db)
    pay, cart, login = (found[f"shop.views in {f}"] for f in ("pay", "cart", "login"))
    with db.transaction() as session:
        merging.merge(session, pay.id, [cart.id, login.id], keep_samples=3, actor="ann",
                      now=clock.now())  # fmt: skip
    [target] = _issues(db).values()
    assert target.id == pay.id and target.merged_from == [cart.id, login.id]
    assert (target.event_count, target.user_count, target.ip_count) == (6, 6, 2)
    assert target.first_seen_at == pay.first_seen_at
    assert target.last_seen_at == login.last_seen_at and target.last_release == "shop@1.5"
    assert sorted(target.releases) == [f"shop@1.{n}" for n in range(6)]
    assert target.tags == {"browser": {"Chrome": 3, "Firefox": 3}}
    with db.read() as session:
        hours = queries.hours(session, target.id, clock.now() - timedelta(days=1))
        samples = queries.samples(session, target.id)
        events = session.scalar(
            select(func.count()).select_from(ErrorEvent).where(ErrorEvent.issue_id == pay.id)
        )
        assert merging.merged_into(session, cart.id) == pay.id
        left = [
            session.scalar(select(func.count()).select_from(table).where(table.issue_id != pay.id))
            for table in (ErrorHour, ErrorAffected, ErrorSample)
        ]
    assert left == [0, 0, 0]  # nothing of the merged issues is left behind
    assert sum(count for _, count in hours) == 6 and events == 6
    assert [s.seq for s in samples] == [6, 5, 4]  # the newest three of all, numbered afresh

    _send(db, shop, clock, exception_event("cart", user={"id": "u-new"}))
    [target] = _issues(db).values()
    assert (target.id, target.event_count, target.user_count) == (pay.id, 7, 7)
    with db.read() as session:
        assert queries.samples(session, target.id)[0].seq == 7
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "error_issue.merge")
        ).all()
    assert [(a.actor, a.entity_key) for a in audited] == [("ann", str(pay.id))]
    assert audited[0].after["merged"] == [cart.id, login.id]


def test_a_merge_is_refused_across_services_and_without_others_naming_issues(
    db: Database, clock: FakeClock
) -> None:
    _send(db, _grant(db, clock, "shop"), clock, exception_event("pay"))
    _send(db, _grant(db, clock, "blog"), clock, exception_event("post"))
    found = _issues(db)
    shop, blog = found["shop.views in pay"], found["shop.views in post"]
    for others in ([blog.id], [], [shop.id], [9999]):
        with db.transaction() as session, pytest.raises(Invalid) as refused:
            merging.merge(session, shop.id, others, keep_samples=3, actor="ann", now=clock.now())
        assert refused.value.errors[0].field == "issues"
    assert {i.id: i.event_count for i in _issues(db).values()} == {shop.id: 1, blog.id: 1}
    with db.read() as session:
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "error_issue.merge")
        ).all()


def test_a_busy_issues_tag_counts_are_added_not_replayed_one_by_one(
    db: Database, clock: FakeClock
) -> None:
    shop = _grant(db, clock, "shop")
    for function in ("pay", "cart"):
        _send(db, shop, clock, exception_event(function, tags={"browser": "Firefox"}))
    found = _issues(db)
    pay, cart = found["shop.views in pay"], found["shop.views in cart"]
    with db.transaction() as session:
        # As if the issue had had a billion events: a merge adds the count, whatever its size.
        session.get_one(ErrorIssue, cart.id).tags = {"browser": {"Firefox": 10**9}}
    with db.transaction() as session:
        merging.merge(session, pay.id, [cart.id], keep_samples=3, actor="ann", now=clock.now())
    assert _issues(db)["shop.views in pay"].tags == {"browser": {"Firefox": 10**9 + 1}}
