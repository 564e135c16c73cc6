"""Group commit for intake: one writer thread per process stores the requests that arrive while
it is busy together, in one transaction, and answers each only after that transaction commits.

On SQLite every intake request is a write and writes take turns anyway; one transaction for many
requests costs little more than for one, so throughput grows with the load instead of requests
queueing for the lock. A failed batch is retried request by request, so one bad request cannot
fail the others."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from onwatch.integrations import intake
from onwatch.integrations.intake import Delivery, Receipt
from onwatch.integrations.limits import RateLimits
from onwatch.integrations.seen import SeenBodies
from onwatch.web.context import AppContext

log = logging.getLogger("onwatch.intake")
MAX_BATCH = 64  # requests per transaction
IDLE_SECONDS = 5.0  # the writer thread ends after this long without work
Answer = Receipt | BaseException


class IntakeWriter:
    def __init__(self, ctx: AppContext, limits: RateLimits) -> None:
        self.ctx, self.limits = ctx, limits
        self.seen = SeenBodies()  # bodies parsed before: a repeat is not parsed again
        self._queue: queue.SimpleQueue[tuple[Delivery, Callable[[Answer], None]]]
        self._queue = queue.SimpleQueue()
        self._started = False
        self._start_lock = threading.Lock()

    async def store(self, delivery: Delivery) -> Receipt:
        """Wait, without holding a thread, until `delivery` is committed; its receipt. Raises
        the OnwatchError that is its answer (bad key, bad body, over the rate limit)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Receipt] = loop.create_future()

        def answer(result: Answer) -> None:
            loop.call_soon_threadsafe(_settle, done, result)

        self._queue.put((delivery, answer))
        self._start()
        return await done

    def _start(self) -> None:
        # Started on first use and gone after a quiet spell, not tied to the app: an app that
        # takes no intake (a test, a CLI command) keeps no thread.
        with self._start_lock:
            if not self._started:
                threading.Thread(target=self._run, name="onwatch-intake", daemon=True).start()
                self._started = True

    def _run(self) -> None:
        while True:
            try:
                batch = [self._queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._start_lock:
                    # store() puts before it starts, so an item put now is seen here.
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

    def _commit(
        self, batch: list[tuple[Delivery, Callable[[Answer], None]]], *, again: bool = True
    ) -> None:
        ctx = self.ctx
        now = ctx.clock.now()
        try:
            # Bodies are parsed before the transaction: other processes (serve --workers) may
            # write to SQLite meanwhile.
            parsed = [self.seen.parse(delivery, now) for delivery, _ in batch]
            with ctx.db.busy_transaction() as session:
                answers = intake.store(session, parsed, now=now, limits=self.limits)
        except Exception as error:
            if again and isinstance(error, DBAPIError) and error.connection_invalidated:
                # The server dropped the connection (a restart, a failover): the pool has let
                # go of all of them, so this goes to a fresh one.
                self._commit(batch, again=False)
            else:
                self._failed(batch, error)
            return
        if any(isinstance(a, Receipt) and a.opened_incident for a in answers):
            ctx.engine_wakeup.set()
        for (_, answer), result in zip(batch, answers, strict=True):
            answer(result)

    def _failed(
        self, batch: list[tuple[Delivery, Callable[[Answer], None]]], error: Exception
    ) -> None:
        """A batch that could not be stored: each of its requests again on its own, so that one
        bad request cannot fail the others; a lone request gets the error as its answer."""
        if len(batch) > 1:
            for item in batch:
                self._commit([item])
            return
        log.error("storing an intake request failed", exc_info=error)
        batch[0][1](error)


def _settle(done: asyncio.Future[Receipt], result: Answer) -> None:
    if done.cancelled():  # the client went away; what it sent is stored all the same
        return
    if isinstance(result, BaseException):
        done.set_exception(result)
    else:
        done.set_result(result)
