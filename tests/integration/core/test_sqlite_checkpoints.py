"""SQLite's write-ahead log is copied back into the database file by a thread of the Database,
not inside whichever commit takes the log past SQLite's threshold (a busy intake's writer)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from onwatch.core.db import Database


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "onwatch-checkpoints"]


def test_commits_do_not_checkpoint_and_the_database_copies_the_log_itself(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'onwatch.db'}")
    try:
        with db.transaction() as session:
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        for n in range(3):
            with db.transaction() as session:
                session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        in_log, copied = db.checkpoint()
        assert in_log > 0 and copied == in_log
    finally:
        db.dispose()


def test_every_so_many_commits_wake_the_checkpoint_thread_which_ends_with_the_database(
    tmp_path: Path,
) -> None:
    before = set(_checkpoint_threads())
    db = Database(f"sqlite:///{tmp_path / 'onwatch.db'}")
    with db.transaction() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    for n in range(30):
        with db.transaction() as session:
            session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
    [started] = set(_checkpoint_threads()) - before
    db.dispose()
    assert not started.is_alive()


def test_an_in_memory_database_has_nothing_to_checkpoint() -> None:
    db = Database("sqlite:///:memory:")
    try:
        assert db.checkpoint() == (0, 0)
    finally:
        db.dispose()
