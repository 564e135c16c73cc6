"""/metrics says how many outbox messages wait and are dead, and how long delivery took over the
last hour, read from the database (an engine in another process changes them)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.engine.assembly import build_engine
from onwatch.notifications.models import Notification
from tests.integration.engine.delivering import page, seed
from tests.receivers import HttpReceiver


def test_metrics_count_pending_and_dead_messages_and_delivery_latency(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings,
    http_receiver: HttpReceiver,
) -> None:  # fmt: skip
    seeded = seed(db, clock)
    to = {"kind": "slack", "url": http_receiver.url}
    for key in ("a", "b", "c"):
        page(db, clock, seeded, to, key=key)
    with db.transaction() as session:
        session.execute(
            update(Notification).where(Notification.idempotency_key == "c").values(state="dead")
        )
    text = client.get("/metrics").text
    assert 'onwatch_outbox_pending{state="pending"} 2.0' in text
    assert "onwatch_outbox_dead 1.0" in text
    assert "onwatch_delivery_latency_seconds_gcount 0.0" in text

    clock.advance(timedelta(seconds=3))  # the engine takes them 3 s after they were due
    assert build_engine(db, clock, settings).tick().done["delivery"] == 2
    http_receiver.take(2)
    text = client.get("/metrics").text
    assert 'onwatch_outbox_pending{state="pending"} 0.0' in text
    assert 'onwatch_delivery_latency_seconds_bucket{le="2.5"} 0.0' in text
    assert 'onwatch_delivery_latency_seconds_bucket{le="5.0"} 2.0' in text
    assert "onwatch_delivery_latency_seconds_gcount 2.0" in text
    assert "onwatch_delivery_latency_seconds_gsum 6.0" in text

    # An hour after they were sent, they have left the window: a scrape no longer reads them.
    clock.advance(timedelta(hours=1, seconds=1))
    text = client.get("/metrics").text
    assert 'onwatch_delivery_latency_seconds_bucket{le="5.0"} 0.0' in text
    assert "onwatch_delivery_latency_seconds_gcount 0.0" in text
    assert "onwatch_delivery_latency_seconds_gsum 0.0" in text
