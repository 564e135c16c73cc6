"""The engine's delivery step against real receivers on loopback, with a fake clock moved past
each wait: retries with backoff until the receiver takes the message (once), Retry-After,
dead letters, leases that expire, pages of an incident no longer triggered, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onwatch.channels.base import Sent
from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.core.settings import Settings
from onwatch.engine import delivery
from onwatch.engine.assembly import link_maker
from onwatch.incidents.models import Incident
from onwatch.notifications import limits
from onwatch.notifications.models import Channel
from onwatch.notifications.pages import notify_channel, page_person
from tests import shapes
from tests.integration.engine.delivering import (
    SECRET,
    engine,
    entries,
    page,
    row,
    seed,
    webhook,
)  # fmt: skip
from tests.receivers import HttpReceiver, SmtpReceiver, receiving

OUTCOMES = ("delivery_sent", "delivery_failed", "delivery_dead")


def test_a_receiver_that_fails_five_times_gets_the_message_once_after_backoff(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    seeded = seed(db, clock)
    with receiving(shapes.standard_webhook(SECRET)) as receiver:
        receiver.answer(*[500] * 5)
        row_id = page(db, clock, seeded, webhook(receiver.url))
        loop = engine(db, clock, settings)
        waits = []
        for attempt in range(1, 6):
            assert loop.tick().done["delivery"] == 1
            receiver.take(1)
            failed = row(db, row_id)
            assert (failed.state, failed.attempts) == ("pending", attempt)
            assert "answered 500" in (failed.last_error or "")
            waits.append(failed.due_at - clock.now())
            assert loop.tick().done["delivery"] == 0  # not due yet: nothing sent
            clock.set(failed.due_at)
        assert loop.tick().done["delivery"] == 1
        requests = receiver.take(1)

    sent = row(db, row_id)
    assert (sent.state, sent.attempts, sent.sent_at) == ("sent", 6, clock.now())
    assert requests[0].headers["webhook-id"] == sent.idempotency_key
    # Exponential backoff (30 s doubling) with at most half of each wait random.
    for n, wait in enumerate(waits):
        nominal = timedelta(seconds=30 * 2**n)
        assert nominal / 2 <= wait <= nominal
    timeline = entries(db, seeded.incident_id, *OUTCOMES)
    assert [e.kind for e in timeline] == ["delivery_failed"] * 5 + ["delivery_sent"]
    assert timeline[-1].text == "Notified Ann Archer by webhook"
    assert "try 1" in timeline[0].text and "trying again at" in timeline[0].text


def test_retry_after_is_honoured(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    http_receiver.answer((429, {"retry-after": "120"}, b"slow down"))
    row_id = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url})
    loop = engine(db, clock, settings)
    loop.tick()
    http_receiver.take(1)
    assert row(db, row_id).due_at == clock.now() + timedelta(seconds=120)
    clock.advance(timedelta(seconds=119))
    assert loop.tick().done["delivery"] == 0
    clock.advance(timedelta(seconds=1))
    assert loop.tick().done["delivery"] == 1
    http_receiver.take(1)
    assert row(db, row_id).state == "sent"


def test_after_the_last_try_the_message_is_a_dead_letter_with_its_last_error(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    http_receiver.answer(502, 503)
    row_id = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url})
    loop = engine(db, clock, settings, delivery_max_attempts=2)
    loop.tick()
    clock.set(row(db, row_id).due_at)
    loop.tick()
    http_receiver.take(2)
    dead = row(db, row_id)
    assert (dead.state, dead.attempts) == ("dead", 2)
    assert "answered 503" in (dead.last_error or "") and "gave up after 2 tries" in dead.last_error
    assert [e.kind for e in entries(db, seeded.incident_id, *OUTCOMES)] == [
        "delivery_failed", "delivery_dead",
    ]  # fmt: skip
    clock.advance(timedelta(days=1))
    assert loop.tick().done["delivery"] == 0  # a dead letter stays dead


def test_a_refusal_is_a_dead_letter_at_once(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    http_receiver.answer(404)
    row_id = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url})
    engine(db, clock, settings).tick()
    http_receiver.take(1)
    assert (row(db, row_id).state, row(db, row_id).attempts) == ("dead", 1)


def test_a_held_message_whose_lease_expired_is_sent_by_another_engine_and_the_first_cannot_record(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    row_id = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url})
    # An engine claims the row, then stops before sending (killed).
    with db.transaction() as session:
        [held] = delivery.claim(session, clock.now(), 10, timedelta(seconds=30))
    loop = engine(db, clock, settings, delivery_lease_seconds=30)
    assert loop.tick().done["delivery"] == 0  # held: nobody else sends it
    clock.advance(timedelta(seconds=30))
    assert loop.tick().done["delivery"] == 1
    http_receiver.take(1)
    sent = row(db, row_id)
    assert (sent.state, sent.attempts) == ("sent", 2)
    # The first engine comes back with an outcome: its lease is gone, so it changes nothing.
    with db.transaction() as session:
        first = delivery.Delivery(db, {}, link_maker(settings))
        assert delivery.record(session, [(held, Sent())], clock.now(), first).done == 0
    assert row(db, row_id).sent_at == sent.sent_at


def test_pages_of_an_incident_acknowledged_before_delivery_are_not_sent(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    row_id = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url})
    with db.transaction() as session:
        # The status changed without its pages being cancelled (acknowledge cancels them, but
        # delivery must not rely on every writer doing so): delivery checks again at claim.
        incident = session.get(Incident, seeded.incident_id)
        assert incident is not None
        incident.status = "acknowledged"
    engine(db, clock, settings).tick()
    cancelled = row(db, row_id)
    assert cancelled.state == "cancelled"
    assert cancelled.cancel_reason == "the incident is acknowledged"


def test_a_channel_over_its_rate_limit_waits_and_says_until_when(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    with db.transaction() as session:
        channel = Channel(
            name="ops", kind="slack",
            settings={"url": http_receiver.url, "rate_limit": {"max": 2, "per": "1m"}},
        )  # fmt: skip
        session.add(channel)
        session.flush()
        for n in range(3):
            notify_channel(
                session, incident_id=seeded.incident_id, channel_id=channel.id, urgency="high",
                key=f"c:{n}", at=clock.now(), now=clock.now(),
            )  # fmt: skip
    loop = engine(db, clock, settings)
    assert loop.tick().done["delivery"] == 2
    http_receiver.take(2)
    with db.read() as session:
        [waiting] = session.scalars(
            select(delivery.Notification).where(delivery.Notification.state == "pending")
        )
    assert waiting.rate_limited_until == waiting.due_at == clock.now() + timedelta(minutes=1)
    assert loop.next_due() == waiting.due_at
    clock.advance(timedelta(minutes=1))
    assert loop.tick().done["delivery"] == 1
    http_receiver.take(1)
    assert row(db, waiting.id).rate_limited_until is None


def test_a_page_by_email_reaches_a_real_smtp_server_with_signed_links(
    db: Database, clock: FakeClock, settings: Settings, smtp_receiver: SmtpReceiver
) -> None:
    seeded = seed(db, clock)
    with db.transaction() as session:
        page_person(
            session, incident_id=seeded.incident_id, person_id=seeded.person_id, urgency="high",
            key=f"page:{seeded.incident_id}:0:0:0", at=clock.now(), now=clock.now(),
        )  # fmt: skip
    loop = engine(
        db, clock, settings, smtp_host=smtp_receiver.host, smtp_port=smtp_receiver.port,
        smtp_security="none", base_url="https://onwatch.example.org",
    )  # fmt: skip
    assert loop.tick().done["delivery"] == 1
    [mail] = smtp_receiver.take(1)
    assert mail.envelope_to == ["ann@example.org"]
    assert mail.message["Subject"] == "[sev1] checkout: card payments failing"
    body = mail.message.get_body(("plain",)).get_content()
    assert "https://onwatch.example.org/l/ack/" in body
    assert f"https://onwatch.example.org/incidents/{seeded.incident_id}" in body
    assert [e.kind for e in entries(db, seeded.incident_id, *OUTCOMES)] == ["delivery_sent"]


def test_rate_limits_by_kind_come_from_the_config_file(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    config = "rate_limits:\n  - {kind: slack, max: 1, per: 5m}\n"
    with db.transaction() as session:
        plan = apply(session, document.load(config), prune=False, actor="t", now=clock.now())
        assert [str(c) for c in plan.changes] != []
    first = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url}, key="a")
    second = page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url}, key="b")
    loop = engine(db, clock, settings)
    assert loop.tick().done["delivery"] == 1
    http_receiver.take(1)
    assert row(db, first).state == "sent"
    assert row(db, second).rate_limited_until == clock.now() + timedelta(minutes=5)


def test_a_rate_limit_of_nothing_is_refused_naming_its_fields_with_nothing_stored(
    db: Database, clock: FakeClock
) -> None:
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        apply(
            session, document.load("rate_limits:\n  - {kind: slack, max: 0, per: 0s}\n"),
            prune=False, actor="t", now=clock.now(),
        )  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["rate_limits[0].max", "rate_limits[0].per"]
    with db.read() as session:
        assert limits.stored_rules(session) == {}


def test_the_engine_sleeps_until_the_next_message_is_due_at_most_the_idle_interval(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    seeded = seed(db, clock)
    loop = engine(db, clock, settings)
    assert loop.pause(1.0) == 1.0  # nothing waiting
    page(db, clock, seeded, {"kind": "slack", "url": "http://127.0.0.1:9/"}, key="later")
    with db.transaction() as session:
        session.execute(
            delivery.update(delivery.Notification)
            .values(due_at=clock.now() + timedelta(milliseconds=250))
        )
    assert loop.pause(1.0) == 0.25
    assert loop.pause(0.1) == 0.1
    clock.advance(timedelta(seconds=5))  # due already (another engine holds it, say)
    assert loop.pause(1.0) == 1.0


def test_a_message_being_sent_counts_against_the_rate_limit(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    seeded = seed(db, clock)
    with db.transaction() as session:
        channel = Channel(
            name="ops", kind="slack",
            settings={"url": http_receiver.url, "rate_limit": {"max": 1, "per": "1m"}},
        )  # fmt: skip
        session.add(channel)
        session.flush()
        channel_id = channel.id
        notify_channel(
            session, incident_id=seeded.incident_id, channel_id=channel_id, urgency="high",
            key="c:0", at=clock.now(), now=clock.now(),
        )  # fmt: skip
    with db.transaction() as session:  # another engine holds the first, sending it now
        delivery.claim(session, clock.now(), 10, timedelta(minutes=2))
    with db.transaction() as session:
        notify_channel(
            session, incident_id=seeded.incident_id, channel_id=channel_id, urgency="high",
            key="c:1", at=clock.now(), now=clock.now(),
        )  # fmt: skip
    assert engine(db, clock, settings).tick().done["delivery"] == 0
    with db.read() as session:
        waiting = session.scalar(
            select(delivery.Notification).where(delivery.Notification.idempotency_key.like("%c:1%"))
        )
    assert waiting is not None
    assert waiting.rate_limited_until == clock.now() + timedelta(minutes=1)
    assert waiting.first_due_at == clock.now()  # latency counts from when it was first due


def test_a_message_whose_engine_dies_on_every_try_ends_a_dead_letter(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    seeded = seed(db, clock)
    row_id = page(db, clock, seeded, {"kind": "slack", "url": "http://127.0.0.1:9/"})
    lease = timedelta(seconds=30)
    for _ in range(2):  # claimed, then its engine dies; twice
        with db.transaction() as session:
            assert len(delivery.claim(session, clock.now(), 10, lease, max_attempts=2)) == 1
        clock.advance(lease)
    engine(db, clock, settings, delivery_max_attempts=2).tick()
    dead = row(db, row_id)
    assert (dead.state, dead.attempts) == ("dead", 2)
    assert dead.last_error == "the engine sending it stopped before it finished, 2 times"
    [entry] = entries(db, seeded.incident_id, *OUTCOMES)
    assert entry.kind == "delivery_dead"
