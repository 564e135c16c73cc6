"""Error issues on a real database: counting, samples, regressions, silences, resolving, and one
issue per hash under concurrent first events."""

from __future__ import annotations

import threading
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.directory.actions import put_person, put_service
from onwatch.directory.specs import PersonSpec, ServiceSpec
from onwatch.errors import actions, keys, queries
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.keys import KeyGrant
from onwatch.errors.models import ErrorAffected, ErrorIssue
from onwatch.notifications.models import Notification
from tests.adapters.errors.envelopes import exception_event


@pytest.fixture
def grant(db: Database, clock: FakeClock) -> KeyGrant:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="shop"), actor="test", now=clock.now())
        key = keys.create_key(session, service="shop", actor="test", now=clock.now())
        return keys.grant_for(session, key.public_key, key.service_id)


def _send(db: Database, grant: KeyGrant, clock: FakeClock, *events: dict, keep: int = 3) -> None:
    items = [Item("event", {"type": "event"}, orjson.dumps(e)) for e in events]
    parsed, counts = actions.parse_events(Envelope({}, items))
    with db.transaction() as session:
        actions.receive(
            session, grant, parsed, counts, peer="198.51.100.1", now=clock.now(), keep_samples=keep
        )


def _issue(db: Database) -> ErrorIssue:
    with db.read() as session:
        [issue] = session.scalars(select(ErrorIssue))
        return issue


def test_an_issue_counts_events_users_ips_hours_and_keeps_the_latest_samples(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    for n in range(5):
        user = {"id": f"u-{n % 2}", "ip_address": f"203.0.113.{n % 3}"}
        _send(db, grant, clock, exception_event(user=user, tags={"browser": f"b{n % 2}"}))
        clock.advance(timedelta(minutes=40))
    issue = _issue(db)
    assert (issue.event_count, issue.user_count, issue.ip_count) == (5, 2, 3)
    assert issue.tags == {"browser": {"b0": 3, "b1": 2}}
    assert issue.culprit == "shop.views in checkout"
    assert issue.last_seen_at == clock.now() - timedelta(minutes=40)
    with db.read() as session:
        samples = queries.samples(session, issue.id)
        hours = queries.hours(session, issue.id, clock.now() - timedelta(days=1))
    assert len(samples) == 3
    assert [s.seq for s in samples] == [5, 4, 3]  # the latest three, newest first
    with db.read() as session:
        window = queries.events_between(
            session, issue.id, clock.now() - timedelta(minutes=90), clock.now()
        )
    assert window == 2  # 16:00 and 16:40: the window is 15:50 to 17:20
    assert all(s.url == "https://shop.example/cart" for s in samples)
    assert [count for _, count in hours] == [2, 1, 2]  # 14:00, 14:40 | 15:20 | 16:00, 16:40


def test_an_event_in_a_later_release_reopens_an_issue_resolved_in_the_next_release(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    _send(db, grant, clock, exception_event(release="shop@2.0.0"))
    issue_id = _issue(db).id
    with db.transaction() as session:
        actions.resolve(
            session, issue_id, mode="next_release", release=None, actor="user:ann", now=clock.now()
        )
    _send(db, grant, clock, exception_event(release="shop@2.0.0"))
    assert _issue(db).status == "resolved"
    clock.advance(timedelta(hours=1))
    _send(db, grant, clock, exception_event(release="shop@2.1.0"))
    issue = _issue(db)
    assert (issue.status, issue.substatus, issue.event_count) == ("unresolved", "regressed", 3)
    with db.read() as session:
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "error_issue")
        )
        assert list(audited) == ["error_issue.resolve"]
        # The service has no tech lead: nobody to tell of the regression.
        assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_regression_tells_the_services_tech_lead_once(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    with db.transaction() as session:
        put_person(
            session,
            PersonSpec(handle="lea", name="Lea Lind", email="lea@example.org"),
            actor="test",
            now=clock.now(),
        )
        put_service(
            session, ServiceSpec(name="shop", tech_lead="lea"), actor="test", now=clock.now()
        )
    _send(db, grant, clock, exception_event(release="shop@2.0.0"))
    issue_id = _issue(db).id
    with db.transaction() as session:
        actions.resolve(
            session, issue_id, mode="next_release", release=None, actor="user:ann", now=clock.now()
        )
    clock.advance(timedelta(hours=1))
    regressed = exception_event(release="shop@2.1.0")
    _send(db, grant, clock, regressed)
    _send(db, grant, clock, regressed)  # the SDK retries it: stored once, told once
    _send(db, grant, clock, exception_event(release="shop@2.1.0"))  # unresolved: no news
    with db.read() as session:
        told = session.execute(
            select(Notification.kind, Notification.urgency, Notification.payload)
        ).all()
    assert [(kind, urgency) for kind, urgency, _ in told] == [("notice", "low")]
    [(_, _, payload)] = told
    assert payload["title"].startswith("Error regressed: ")
    assert f"Error issue #{issue_id} of shop" in payload["text"]
    assert "in release shop@2.1.0" in payload["text"] and f"/errors/{issue_id}" in payload["text"]


def test_silenced_until_n_more_events_holds_then_lets_go(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    _send(db, grant, clock, exception_event())
    with db.transaction() as session:
        actions.silence(
            session,
            _issue(db).id,
            until=None,
            events=3,
            users=None,
            actor="user:ann",
            now=clock.now(),
        )
    _send(db, grant, clock, exception_event(), exception_event())
    assert _issue(db).status == "silenced"
    _send(db, grant, clock, exception_event())
    assert (_issue(db).status, _issue(db).substatus) == ("unresolved", "ongoing")


def test_resolve_and_silence_refuse_bad_input_naming_the_field(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    _send(db, grant, clock, exception_event())
    issue_id = _issue(db).id
    with db.transaction() as session, pytest.raises(Invalid) as refused:
        actions.resolve(session, issue_id, mode="release", release="", actor="a", now=clock.now())
    assert refused.value.errors[0].field == "release"
    with db.transaction() as session, pytest.raises(Invalid) as refused:
        actions.silence(
            session,
            issue_id,
            until=clock.now(),
            events=None,
            users=None,
            actor="a",
            now=clock.now(),
        )
    assert refused.value.errors[0].field == "until"


def test_concurrent_first_events_of_one_problem_make_one_issue(
    db: Database, grant: KeyGrant, clock: FakeClock
) -> None:
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def send() -> None:
        try:
            start.wait(10)
            _send(db, grant, clock, exception_event(user={"id": "same"}))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    issue = _issue(db)
    assert (issue.event_count, issue.user_count) == (4, 1)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ErrorAffected)) == 1
