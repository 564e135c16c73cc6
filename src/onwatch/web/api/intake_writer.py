"""Group commit for intake: one writer thread per process stores the requests that arrive while
it is busy together, in one transaction, and answers each only after that transaction commits.

On SQLite every intake request is a write and writes take turns anyway; one transaction for many
requests costs little more than for one, so throughput grows with the load instead of requests
queueing for the lock. A failed batch is retried request by request, so one bad request cannot
fail the others."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

from onwatch.integrations import intake
from onwatch.integrations.intake import Delivery, Receipt
from onwatch.integrations.limits import RateLimits
from onwatch.integrations.seen import SeenBodies
from onwatch.web.context import AppContext
from onwatch.web.group_commit import Answer, WriterThread

log = logging.getLogger("onwatch.intake")


class IntakeWriter(WriterThread[Delivery]):
    def __init__(self, ctx: AppContext, limits: RateLimits) -> None:
        super().__init__("onwatch-intake")
        self.ctx, self.limits = ctx, limits
        self.seen = SeenBodies()  # bodies parsed before: a repeat is not parsed again

    async def store(self, delivery: Delivery) -> Receipt:
        """Wait, without holding a thread, until `delivery` is committed; its receipt. Raises
        the OnwatchError that is its answer (bad key, bad body, over the rate limit)."""
        receipt: Receipt = await self.submit(delivery)
        return receipt

    def _commit(self, batch: list[tuple[Delivery, Answer]], *, again: bool = True) -> None:
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

    def _failed(self, batch: list[tuple[Delivery, Answer]], error: Exception) -> None:
        """A batch that could not be stored: each of its requests again on its own, so that one
        bad request cannot fail the others; a lone request gets the error as its answer."""
        if len(batch) > 1:
            for item in batch:
                self._commit([item])
            return
        log.error("storing an intake request failed", exc_info=error)
        batch[0][1](error)
