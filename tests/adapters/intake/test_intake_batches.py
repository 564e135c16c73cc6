"""Requests that arrive together are stored in one transaction (group commit), each answered on
its own: one request's bad key, bad body or rate limit is its answer alone, and the others are
stored as if they had come one by one."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select, update

from onwatch.alerts.models import AlertEventRecord
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Forbidden, Invalid, RateLimited, Unauthorized
from onwatch.integrations.intake import Delivery, Receipt, receive
from onwatch.integrations.limits import RateLimits
from onwatch.integrations.models import Integration
from tests.adapters.intake.payloads import am_alert, am_webhook, follow_up, trigger
from tests.adapters.intake.stored import Keys, alerts, incidents


def test_each_request_of_a_batch_gets_its_own_answer(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    pd, am = keys["pagerduty"], keys["alertmanager"]
    deliveries = [
        Delivery("pagerduty", None, trigger(pd, "disk")),
        Delivery("pagerduty", None, trigger("owi_nobody", "x")),
        Delivery("alertmanager", am, am_webhook(am_alert("CPU"), am_alert("Mem"))),
        Delivery("pagerduty", None, trigger(pd, "bad", severity="loud")),
        Delivery("generic", am, {"summary": "wrong key type"}),
        Delivery("pagerduty", None, trigger(pd, "disk")),
        Delivery("pagerduty", None, follow_up(pd, "resolve", "disk")),
        Delivery("pagerduty", None, trigger(pd, "disk")),
    ]
    with db.transaction() as session:
        answers = receive(session, deliveries, now=clock.now(), limits=RateLimits())
    kinds = [type(a).__name__ for a in answers]
    assert kinds == ["Receipt", "Unauthorized", "Receipt", "Invalid", "Forbidden", "Receipt",
                     "Receipt", "Receipt"]
    receipts = [a for a in answers if isinstance(a, Receipt)]
    assert [[o.result for o in r.outcomes] for r in receipts] == [
        ["created"], ["created", "created"], ["repeated"], ["resolved"], ["created"]]
    assert isinstance(answers[1], Unauthorized) and isinstance(answers[4], Forbidden)
    assert isinstance(answers[3], Invalid)
    # Requests that arrived together have no order between integrations: each integration's
    # events are stored in the order they came, PagerDuty's here first, then Alertmanager's.
    assert [(a.dedup_key, a.status, a.count) for a in alerts(db)] == [
        ("disk", "resolved", 2), ("disk", "firing", 1), ("fp-CPU", "firing", 1),
        ("fp-Mem", "firing", 1)]
    assert [(i.alert_count, i.status) for i in incidents(db)] == [(1, "resolved"),
                                                                   (3, "triggered")]


def test_a_request_over_the_rate_limit_is_refused_whole_and_alone(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    with db.transaction() as session:
        session.execute(update(Integration).values(rate_limit=3))
    am = keys["alertmanager"]
    three = am_webhook(am_alert("A"), am_alert("B"), am_alert("C"))
    deliveries = [
        Delivery("alertmanager", am, am_webhook(am_alert("D"), am_alert("E"))),
        Delivery("alertmanager", am, three),
        Delivery("pagerduty", None, trigger(keys["pagerduty"], "pd")),
    ]
    with db.transaction() as session:
        answers = receive(session, deliveries, now=clock.now(), limits=RateLimits())
    assert [type(a).__name__ for a in answers] == ["Receipt", "RateLimited", "Receipt"]
    assert isinstance(answers[1], RateLimited)
    assert sorted(a.dedup_key for a in alerts(db)) == ["fp-D", "fp-E", "pd"]


def test_events_kept_stay_bounded_when_repeats_arrive_several_at_a_time(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    pd = keys["pagerduty"]
    sent = iter(range(1000))  # each body different, so each event is kept, not folded
    for size in [1] + [5] * 40:  # from 1, steps of 5 never land on a multiple of 25
        deliveries = [Delivery("pagerduty", None, trigger(pd, "busy", summary=f"disk {n}"))
                      for n in itertools.islice(sent, size)]
        with db.transaction() as session:
            receive(session, deliveries, now=clock.now(), limits=RateLimits(0))
    [alert] = alerts(db)
    assert alert.event_count == 201
    with db.read() as session:
        kept = session.scalar(select(func.count()).select_from(AlertEventRecord))
    assert kept == 100
