"""Engine wake-ups across processes on PostgreSQL. Inside one process, intake wakes its engine
with a threading.Event; an `onwatch engine` process elsewhere (several engines beside
`serve --no-engine`) would otherwise see new work only at its idle interval. On PostgreSQL the
event also sends `NOTIFY onwatch_engine` (after the work was committed), and every engine
LISTENs on that channel. On SQLite there is one engine, woken in its own process."""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from onwatch.core.db import Database

log = logging.getLogger("onwatch.engine")

CHANNEL = "onwatch_engine"
RECONNECT_SECONDS = 1.0
LISTEN_WAIT_SECONDS = 5.0


class NotifyingEvent(threading.Event):
    """A wake-up that also reaches engines in other processes (NOTIFY on PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def set(self) -> None:
        super().set()
        try:
            with self.db.engine.connect() as connection:
                connection.execute(text(f"NOTIFY {CHANNEL}"))
                connection.commit()
        except Exception:  # the engines still tick at their idle interval
            log.warning("cannot notify the engines of new work", exc_info=True)


def event(db: Database) -> threading.Event:
    """The wake-up intake sets after it wrote work for the engines."""
    return NotifyingEvent(db) if db.dialect == "postgresql" else threading.Event()


def listen(db: Database, wakeup: threading.Event, stop: threading.Event) -> threading.Thread | None:
    """On PostgreSQL, a thread that sets `wakeup` at every NOTIFY on the channel until `stop`
    (connecting again after an error); None on other databases. Returns once it listens (or
    after a few seconds without a database), and sets `wakeup` each time it starts listening:
    a NOTIFY sent while it was not listening is lost, so the engine looks for work then."""
    if db.dialect != "postgresql":
        return None
    conninfo = make_url(db.url).set(drivername="postgresql").render_as_string(False)
    listening = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    listening.set()
                    wakeup.set()
                    while not stop.is_set():
                        for _notice in connection.notifies(timeout=RECONNECT_SECONDS):
                            wakeup.set()
            except psycopg.Error:
                log.warning("engine wake-ups: lost the database; listening again", exc_info=True)
                stop.wait(RECONNECT_SECONDS)

    thread = threading.Thread(target=run, name="onwatch-engine-listen", daemon=True)
    thread.start()
    listening.wait(LISTEN_WAIT_SECONDS)
    return thread
