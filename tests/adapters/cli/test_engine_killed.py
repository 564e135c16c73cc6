"""The engine as operators run it, in a subprocess. `kill -9` of an `onwatch engine` while a
receiver holds its request loses nothing: the row stays `sending` under a lease, and the next
engine sends it again once the lease has expired, with the same idempotency key (the receiver's
way to drop the copy it may already have). SIGTERM lets it finish first; `serve` delivers too."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.migrations import runner
from onwatch.notifications.models import Notification
from tests import shapes
from tests.adapters.cli.serving import PATIENCE, Served, onwatch_env, serving
from tests.integration.engine.delivering import SECRET, page, seed, webhook
from tests.receivers import receiving


def start_engine(tmp_path: Path, db: Database) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "onwatch.cli.main", "engine"],
        env=onwatch_env(
            tmp_path, database_url=db.url, delivery_lease_seconds="1",
            secret_key="k" * 40, engine_interval_seconds="0.2",
        ),  # fmt: skip
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    engine = Served(process, "")
    engine.wait_for("engine started")
    return engine


def test_a_message_held_by_a_killed_engine_is_sent_after_its_lease_expires(
    db: Database, tmp_path: Path
) -> None:
    clock = SystemClock()  # the engine subprocess runs on the wall clock
    seeded = seed(db, clock)  # type: ignore[arg-type]
    with receiving(shapes.standard_webhook(SECRET)) as receiver:
        release = receiver.hold()
        row_id = page(db, clock, seeded, webhook(receiver.url))  # type: ignore[arg-type]
        first = start_engine(tmp_path, db)
        try:
            [held] = receiver.take(1)
            first.process.send_signal(signal.SIGKILL)
            assert first.process.wait(timeout=PATIENCE) == -signal.SIGKILL
        finally:
            release.set()
            if first.process.poll() is None:
                first.process.kill()
        with db.read() as session:
            stuck = session.get(Notification, row_id)
            assert stuck is not None and stuck.state == "sending"

        second = start_engine(tmp_path, db)
        try:
            [again] = receiver.take(1)
            second.wait_for("delivery: 1 sent")
        finally:
            second.process.terminate()
            second.process.wait(timeout=PATIENCE)

    assert again.headers["webhook-id"] == held.headers["webhook-id"]
    with db.read() as session:
        sent = session.scalar(select(Notification).where(Notification.id == row_id))
    assert sent is not None
    assert (sent.state, sent.attempts) == ("sent", 2)


def test_sigterm_lets_the_engine_record_what_it_is_sending_before_it_stops(
    db: Database, tmp_path: Path
) -> None:
    clock = SystemClock()
    seeded = seed(db, clock)  # type: ignore[arg-type]
    with receiving() as receiver:
        release = receiver.hold()
        row_id = page(db, clock, seeded, webhook(receiver.url))  # type: ignore[arg-type]
        engine = start_engine(tmp_path, db)
        try:
            receiver.take(1)
            engine.process.send_signal(signal.SIGTERM)
            release.set()  # the receiver answers 200 now
            engine.wait_for("onwatch engine: stopped")
            assert engine.ended() == 0
        finally:
            release.set()
            if engine.process.poll() is None:
                engine.process.kill()
    with db.read() as session:
        sent = session.get(Notification, row_id)
        assert sent is not None and (sent.state, sent.attempts) == ("sent", 1)


def test_serve_runs_an_engine_that_delivers(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'data' / 'onwatch.db'}")
    runner.upgrade(db)
    clock = SystemClock()
    try:
        seeded = seed(db, clock)  # type: ignore[arg-type]
        with receiving() as receiver:
            to = {"kind": "slack", "url": receiver.url}
            row_id = page(db, clock, seeded, to)  # type: ignore[arg-type]
            with serving(tmp_path, secret_key="k" * 40) as served:
                receiver.take(1)
                served.wait_for("delivery: 1 sent")
        with db.read() as session:
            sent = session.get(Notification, row_id)
            assert sent is not None and sent.state == "sent"
    finally:
        db.dispose()
