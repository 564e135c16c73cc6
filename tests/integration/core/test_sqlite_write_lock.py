"""Writers to one SQLite file take turns on a file lock beside it, so that processes (`serve
--workers`, a CLI command beside the server) queue for each other instead of sleeping and
retrying on SQLite's busy handler."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from onwatch.core.db import Database


def _held_elsewhere(lock_file: Path) -> bool:
    """Whether another open file description (as another process has) holds the lock. The probe
    asks for a shared lock, which only a writer's exclusive one refuses: two probes at once (from
    threads) do not see each other as writers."""
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_transaction_holds_the_file_lock_and_a_read_does_not(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'onwatch.db'}")
    lock_file = tmp_path / "onwatch.db.write-lock"
    try:
        with db.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            assert _held_elsewhere(lock_file)
        assert not _held_elsewhere(lock_file)
        with db.read() as session:
            session.execute(text("SELECT count(*) FROM t"))
            assert not _held_elsewhere(lock_file)
    finally:
        db.dispose()


def test_a_failed_transaction_releases_the_lock(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'onwatch.db'}")
    try:
        with pytest.raises(RuntimeError), db.transaction():
            raise RuntimeError("boom")
        assert not _held_elsewhere(tmp_path / "onwatch.db.write-lock")
        with db.transaction() as session:  # and the next writer gets it
            session.execute(text("SELECT 1"))
    finally:
        db.dispose()


WRITER = """
import sys
from sqlalchemy import text
from onwatch.core.db import Database
db = Database(sys.argv[1])
for n in range(200):
    with db.transaction() as session:
        session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
db.dispose()
"""


def test_writers_in_two_processes_each_commit_every_transaction(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onwatch.db'}"
    db = Database(url)
    with db.transaction() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, url], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors.decode()
    with db.read() as session:
        assert session.scalar(text("SELECT count(*) FROM t")) == 400
    db.dispose()
