"""Database engine, declarative base, column types and the transaction boundary.

The same models run on SQLite (WAL, the embedded default) and on PostgreSQL through psycopg 3.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from onwatch.core.errors import Invalid

log = logging.getLogger("onwatch.db")
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONDoc(TypeDecorator[Any]):
    """JSON on SQLite, JSONB on PostgreSQL. The PostgreSQL type is looked up when a PostgreSQL
    connection asks for it: importing the dialect costs every SQLite CLI call 30 ms otherwise."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql_jsonb())
        return dialect.type_descriptor(JSON())


def postgresql_jsonb() -> Any:
    from sqlalchemy.dialects.postgresql import JSONB  # only with a PostgreSQL connection

    return JSONB()


def delete_unless_referenced(session: Session, row: object, refusal: str) -> None:
    """Delete `row`, or raise Invalid(refusal) when a row elsewhere still refers to it. A
    savepoint keeps the caller's transaction usable (PostgreSQL aborts the whole transaction on
    a constraint error otherwise)."""
    try:
        with session.begin_nested():
            session.delete(row)
            session.flush()
    except IntegrityError:
        raise Invalid(refusal) from None


def json_text(value: Any) -> str:
    """How JSON columns are written: orjson, several times faster than the json module on the
    intake path (keys that are not strings are written as strings, as json.dumps does)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson cannot write: integers over 64 bits (exact in JSON)
        return json.dumps(value, separators=(",", ":"))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDoc(),
        list[str]: JSONDoc(),
        list[Any]: JSONDoc(),
    }


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (`postgresql://`, `postgres://`) and pick psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine and its session factory. `transaction()` is the only place that commits."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self._write_lock: _WriteLock | None = None
        self._checkpoints: _Checkpoints | None = None
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                self._write_lock = _WriteLock(Path(parsed.database + ".write-lock"))
                self._checkpoints = _Checkpoints(parsed.database)
            self.engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": 30},
                json_serializer=json_text,
            )
            _configure_sqlite(self.engine, auto_checkpoint=self._checkpoints is None)
        else:
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                json_serializer=json_text,
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(onwatch_read_only=True), expire_on_commit=False
        )
        self._busy_engine: Engine | None = None
        if self.dialect != "sqlite":
            # For one busy writer thread (intake): a connection or two, not pinged before use.
            self._busy_engine = create_engine(
                self.url, pool_size=1, max_overflow=1, json_serializer=json_text
            )
            self._busy_sessions = sessionmaker(self._busy_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls back if it raises."""
        if self._write_lock is None:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._write_lock, self._sessions() as session, session.begin():
            yield session
        if self._checkpoints is not None:
            self._checkpoints.committed()

    @contextmanager
    def busy_transaction(self) -> Iterator[Session]:
        """transaction() for a thread that writes all the time (intake's writer). On PostgreSQL
        its connection is not pinged before each use, a round trip that cost as much as storing
        a batch: a connection the server has dropped fails that one transaction (and the pool
        discards the others), which the caller retries on a fresh one."""
        if self._busy_engine is None:
            with self.transaction() as session:
                yield session
            return
        with self._busy_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work. On SQLite it does not take the write lock."""
        with self._read_sessions() as session, session.begin():
            yield session

    def checkpoint(self) -> tuple[int, int]:
        """SQLite: copy the write-ahead log into the database file now (what the background
        checkpoints do); (pages in the log, pages copied). (0, 0) for other databases."""
        return self._checkpoints.run() if self._checkpoints is not None else (0, 0)

    def dispose(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self.engine.dispose()
        if self._busy_engine is not None:
            self._busy_engine.dispose()


class _WriteLock:
    """Writers to one SQLite file take turns here before BEGIN IMMEDIATE: threads on a lock,
    processes (`serve --workers`, a CLI command beside the server) on flock(2) of a file next
    to the database. SQLite alone makes a writer that finds the file locked sleep and retry
    (1, 2, 5 … 100 ms), which starves busy processes; a blocked flock wakes as soon as the
    holder is done. Opened lazily, so a Database made before a fork opens its own after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            if self._fd is None or self._pid != os.getpid():
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


class _Checkpoints:
    """Copying SQLite's write-ahead log back into the database file, on a thread of its own.
    Left to SQLite, the commit that takes the log past 1,000 pages does it, fsync included,
    and on a busy intake that commit is the writer's: it took two thirds of the commits' time.
    A PASSIVE checkpoint takes no lock a writer waits for, so here it runs beside them, woken
    every COMMITS commits of this process. SQLite still checkpoints when the last connection
    to the file closes, so a short CLI command leaves no log behind."""

    COMMITS = 16

    def __init__(self, path: str) -> None:
        self.path = path
        self._wake = threading.Event()
        self._stopping = False
        self._commits = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._starting = threading.Lock()

    def committed(self) -> None:
        self._commits += 1  # from several threads: a count lost now and then does no harm
        if self._commits % self.COMMITS:
            return
        with self._starting:
            if self._thread is None or self._pid != os.getpid():  # none, or from before a fork
                self._pid, self._stopping = os.getpid(), False
                self._thread = threading.Thread(
                    target=self._loop, name="onwatch-checkpoints", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def run(self) -> tuple[int, int]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            _busy, in_log, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            connection.close()
        return in_log, copied

    def stop(self) -> None:
        with self._starting:
            thread, self._thread = self._thread, None
            if thread is not None and self._pid == os.getpid():
                self._stopping = True
                self._wake.set()
                thread.join()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.run()
            except sqlite3.Error:  # the file went away, or is locked for long: the next wake
                log.warning("SQLite checkpoint failed", exc_info=True)


def _configure_sqlite(engine: Engine, *, auto_checkpoint: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own BEGIN handling defers the write lock until the first write, so two
        # read-then-write transactions deadlock on upgrade; we emit BEGIN ourselves instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not auto_checkpoint:  # Database._checkpoints does it
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front (IMMEDIATE) and queue on busy_timeout; readers don't.
        read_only = conn.get_execution_options().get("onwatch_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
