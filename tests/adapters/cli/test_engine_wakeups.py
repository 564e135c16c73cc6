"""On PostgreSQL, `onwatch engine` processes are woken by the wake-up intake sends after it
wrote work (NOTIFY), not only at their idle interval: here the interval is a minute, longer than
the receiver waits, so only the wake-up can deliver the page in time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from onwatch.core import wakeups
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from tests.adapters.cli.serving import PATIENCE, Served, onwatch_env
from tests.integration.engine.delivering import page, seed
from tests.receivers import HttpReceiver


def test_a_notify_wakes_an_engine_process_at_once(
    postgresql_db: Database, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    db = postgresql_db
    clock = SystemClock()
    seeded = seed(db, clock)  # type: ignore[arg-type]
    process = subprocess.Popen(
        [sys.executable, "-m", "onwatch.cli.main", "engine"],
        env=onwatch_env(
            tmp_path, database_url=db.url, secret_key="k" * 40, engine_interval_seconds="60"
        ),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    engine = Served(process, "")
    wakeup = wakeups.event(db)
    assert isinstance(wakeup, wakeups.NotifyingEvent)
    try:
        engine.wait_for("engine started")
        # Twice: the second page is written while the engine sleeps after sending the first.
        for key in ("p1", "p2"):
            page(db, clock, seeded, {"kind": "slack", "url": http_receiver.url}, key=key)  # type: ignore[arg-type]
            wakeup.set()
            http_receiver.take(1)
            engine.wait_for("delivery: 1 sent")
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE)


def test_sqlite_wakes_only_its_own_process(sqlite_db: Database) -> None:
    assert type(wakeups.event(sqlite_db)) is not wakeups.NotifyingEvent
    assert wakeups.listen(sqlite_db, wakeups.event(sqlite_db), wakeups.event(sqlite_db)) is None
