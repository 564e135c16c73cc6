"""Group commit: one writer thread per process runs the units of work that arrive while it is
busy in one transaction, each in a savepoint of its own, commits once, and only then answers
each of them, so an answer still means "committed".

Why: on SQLite writes take turns (one writer at a time, BEGIN IMMEDIATE behind Database's write
lock), so N request threads each opening a transaction mostly wait for the lock, and each pays a
BEGIN and a COMMIT. One transaction for many requests costs little more than for one: throughput
grows with the load instead of requests queueing for the lock. On PostgreSQL it saves a commit
(a WAL flush) per request; the requests of one process are written by one connection.

How one request cannot harm the others:
- a unit of work that raises OnwatchError (a bad key, over the rate limit) has its savepoint
  rolled back, so it wrote nothing, and that error is its answer;
- one that fails otherwise (PostgreSQL found a deadlock with another process's batch, a
  serialisation failure, a bug) has its savepoint rolled back and runs again, alone, in a
  transaction of its own once the batch has committed, which is how it ran before group commit;
  a lone unit of work's failure is its answer;
- a unit whose ORM flush fails (SQLAlchemy then rolls the whole transaction back, the earlier
  units' work with it), one after which the savepoint is gone (the database rolled everything
  back) and a batch whose commit fails: the batch runs again request by request.
Rows locked by earlier units of a batch stay locked until the batch commits: only one writer per
process takes them, so a process cannot deadlock itself, and a deadlock with another process is
the second case above."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.core.errors import OnwatchError

log = logging.getLogger("onwatch.group_commit")
T = TypeVar("T")
Item = TypeVar("Item")
Work = Callable[[Session, datetime], Any]
Answer = Callable[[Any], None]  # called with the result, or the exception that is the answer
MAX_BATCH = 64  # units of work per transaction
IDLE_SECONDS = 5.0  # the writer thread ends after this long without work


class WriterThread(Generic[Item]):
    """One thread that takes what requests hand it in batches: `_commit` stores a batch and
    calls each item's answer. Started on first use and gone after a quiet spell, not tied to the
    app: an app that takes no intake (a test, a CLI command) keeps no thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.SimpleQueue[tuple[Item, Answer]] = queue.SimpleQueue()
        self._settled: list[tuple[asyncio.Future[Any], Any]] = []  # answers given, not yet sent
        self._started = False
        self._start_lock = threading.Lock()

    async def submit(self, item: Item) -> Any:
        """The answer `_commit` gives `item`, waiting without holding a thread; raised when it
        is an exception."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()

        def answer(result: Any) -> None:  # called on the writer thread only
            self._settled.append((done, result))

        self._queue.put((item, answer))
        with self._start_lock:
            if not self._started:
                threading.Thread(target=self._loop, name=self.name, daemon=True).start()
                self._started = True
        return await done

    def _loop(self) -> None:
        while True:
            try:
                batch = [self._queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._start_lock:
                    # submit() puts before it starts, so an item put now is seen here.
                    if self._queue.empty():
                        self._started = False
                        return
                continue
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)
            self._send()

    def _commit(self, batch: list[tuple[Item, Answer]]) -> None:
        raise NotImplementedError

    def _send(self) -> None:
        """Hand the batch's answers to their event loops, one wake-up per loop (a write to its
        self-pipe each, which cost as much as a request's statements when made per answer)."""
        settled, self._settled = self._settled, []
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for done, result in settled:
            by_loop.setdefault(done.get_loop(), []).append((done, result))
        for loop, answers in by_loop.items():
            loop.call_soon_threadsafe(settle_all, answers)


class GroupCommit(WriterThread[Work]):
    def __init__(self, db: Database, clock: Clock, *, name: str) -> None:
        super().__init__(name)
        self.db, self.clock = db, clock

    async def run(self, work: Callable[[Session, datetime], T]) -> T:
        """`work(session, now)`'s result once the transaction it ran in has committed, waiting
        without holding a thread; raises what `work` raised (nothing of it is then written)."""
        result: T = await self.submit(work)
        return result

    def _commit(self, batch: list[tuple[Work, Answer]], *, again: bool = True) -> None:
        answers: list[tuple[Answer, Any]] = []
        alone: list[tuple[Work, Answer]] = []
        try:
            now = self.clock.now()
            with self.db.busy_transaction() as session:
                for work, answer in batch:
                    try:
                        answers.append((answer, _in_savepoint(session, work, now)))
                    except OnwatchError as error:
                        answers.append((answer, error))
                    except _TransactionLost:
                        raise  # with the units before it: the batch runs again one by one
                    except Exception:
                        if len(batch) == 1:
                            raise
                        alone.append((work, answer))
        except Exception as error:
            if again and isinstance(error, DBAPIError) and error.connection_invalidated:
                # The server dropped the connection (a restart, a failover): the pool has let
                # go of all of them, so this goes to a fresh one.
                self._commit(batch, again=False)
            elif len(batch) > 1:
                for item in batch:
                    self._commit([item])
            else:
                if isinstance(error, _TransactionLost) and error.__cause__ is not None:
                    error = error.__cause__  # type: ignore[assignment]
                log.error("a unit of work of %s failed", self.name, exc_info=error)
                batch[0][1](error)
            return
        for answer, result in answers:
            answer(result)
        for item in alone:
            self._commit([item])


def _in_savepoint(session: Session, work: Work, now: datetime) -> Any:
    """`work(session, now)` in a savepoint, rolled back if it raises. Written to the DBAPI
    cursor: SQLAlchemy's session.begin_nested() cost 150 µs of CPU a request, as much as the
    request's own statements. What the ORM must know is kept as begin_nested keeps it: the
    session is flushed before the release (so what a unit added is written inside its
    savepoint), and after a rollback it forgets every object it holds (those of earlier units
    are flushed, so nothing is lost; those of the failed unit are gone from the database). A
    flush that fails makes SQLAlchemy roll the whole transaction back, the earlier units' work
    with it: _TransactionLost then ends the batch, which runs again request by request. A
    connection the server dropped fails here outside SQLAlchemy, but the
    transaction's end (a rollback or commit, through SQLAlchemy) finds it and invalidates it,
    so _commit's retry on a fresh connection still happens."""
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute("SAVEPOINT onwatch_unit")
        try:
            result = work(session, now)
            session.flush()
        except BaseException as error:
            if not session.is_active:  # a failed flush rolled the whole transaction back
                raise _TransactionLost from error
            try:
                cursor.execute("ROLLBACK TO SAVEPOINT onwatch_unit")
            except Exception:  # the database rolled it all back itself (SQLite: disk full)
                raise _TransactionLost from error
            session.expunge_all()
            raise
        cursor.execute("RELEASE SAVEPOINT onwatch_unit")
        return result
    finally:
        cursor.close()


class _TransactionLost(Exception):
    """A unit of work failed in a way that rolled the batch's whole transaction back."""


def settle_all(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """Give waiting requests their answers: each a result, or the exception to raise."""
    for done, result in answers:
        if done.cancelled():  # the client went away; what it sent is stored all the same
            continue
        if isinstance(result, BaseException):
            done.set_exception(result)
        else:
            done.set_result(result)
