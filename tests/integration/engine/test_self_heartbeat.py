"""onwatch's dead man's switch: the engine pings the heartbeat URL every interval while nothing
due is late, and stops while an outbox message is overdue or held under an expired lease."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.engine.assembly import build_engine, self_heartbeat
from onwatch.engine.loop import Engine
from onwatch.engine.steps import Step
from onwatch.notifications.models import Notification
from tests.integration.engine.delivering import page, seed
from tests.receivers import HttpReceiver


def test_the_engine_pings_every_interval_while_on_time(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    changed = settings.model_copy(
        update={"heartbeat_url": http_receiver.url + "ping/abc", "heartbeat_interval_seconds": 60}
    )
    engine = build_engine(db, clock, changed)
    engine.tick()
    [ping] = http_receiver.take(1)
    assert (ping.method, ping.path) == ("GET", "/ping/abc")
    clock.advance(timedelta(seconds=59))
    engine.tick()  # not yet: the receiver must have nothing more at teardown
    assert engine.next_due() == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    engine.tick()
    http_receiver.take(1)


def test_no_ping_while_an_outbox_message_is_late(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    changed = settings.model_copy(
        update={"heartbeat_url": http_receiver.url, "delivery_late_seconds": 60}
    )
    # An engine whose delivery does not keep up: here, one with no delivery step at all.
    beat = self_heartbeat(db, changed)
    stuck = Engine(db, clock, [Step("heartbeat", beat, own_transactions=True)])
    row_id = page(db, clock, seed(db, clock), {"kind": "slack", "url": "http://127.0.0.1:9/"})
    clock.advance(timedelta(seconds=60))
    stuck.tick()  # due 60 s ago: not yet late
    http_receiver.take(1)
    clock.advance(timedelta(seconds=60))
    stuck.tick()
    assert beat.last_late == ["1 outbox messages overdue (the oldest due 14:00:00 UTC)"]
    with db.transaction() as session:  # taken by an engine that then died
        session.execute(
            update(Notification).where(Notification.id == row_id)
            .values(state="sending", lease_until=clock.now() - timedelta(minutes=5))
        )  # fmt: skip
    clock.advance(timedelta(seconds=60))
    stuck.tick()
    assert beat.last_late == ["1 outbox messages held by an engine whose lease has expired"]
    with db.transaction() as session:
        session.execute(update(Notification).values(state="sent"))
    clock.advance(timedelta(seconds=60))
    stuck.tick()
    http_receiver.take(1)
    assert beat.last_late == []
