"""Two engines delivering one outbox at once (threads here, each with its own claims; on
PostgreSQL they skip each other's locked rows, on SQLite they take turns at the writer lock):
every message reaches the receiver exactly once."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.engine.assembly import build_engine
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, write
from tests.receivers import HttpReceiver

MESSAGES = 300


def test_two_engines_send_every_message_once(
    db: Database, clock: FakeClock, settings: Settings, http_receiver: HttpReceiver
) -> None:
    destination = {"kind": "slack", "url": http_receiver.url}
    with db.transaction() as session:
        write(
            session,
            [
                Outgoing(key=f"m:{n}", kind="test", due_at=clock.now(), destination=destination,
                         label=f"message {n}", payload={"title": f"message {n}"})
                for n in range(MESSAGES)
            ],
            clock.now(),
        )  # fmt: skip
    engines = [build_engine(db, clock, settings) for _ in range(2)]
    settled = [0, 0]
    failures: list[str] = []

    def run(index: int) -> None:
        while True:
            result = engines[index].tick()
            failures.extend(result.failed.values())
            if not result.done["delivery"]:
                return
            settled[index] += result.done["delivery"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with db.read() as session:
        states = dict(
            session.execute(
                select(Notification.state, func.count()).group_by(Notification.state)
            ).all()
        )
    assert states == {"sent": MESSAGES}
    requests = http_receiver.take(MESSAGES)
    assert failures == []
    titles = Counter(r.json()["blocks"][0]["text"]["text"] for r in requests)
    assert len(titles) == MESSAGES and set(titles.values()) == {1}
    assert sum(settled) == MESSAGES
