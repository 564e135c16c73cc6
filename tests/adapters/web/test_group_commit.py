"""The group-commit writer (web/group_commit.py) on SQLite and PostgreSQL: units of work queued
together share one transaction, one that is refused writes nothing and fails none of the others,
one that fails otherwise runs again alone, and nobody hears back before the commit."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.web.group_commit import GroupCommit


def _audit(session: Session, key: str, now: datetime) -> None:
    record(session, actor="test", action="test.unit", entity_type="unit", entity_key=key, at=now)


def _stored(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(AuditEntry.entity_key)))


def _auditing(key: str) -> Any:
    """A unit of work that writes an audit row keyed `key` (flushed: in the database, inside
    its savepoint) and returns `key`."""

    def work(session: Session, now: datetime) -> str:
        _audit(session, key, now)
        session.flush()
        return key

    return work


class _Gate:
    """A first unit of work that holds the writer until the test has queued the rest, so that
    they make the next batch together."""

    def __init__(self) -> None:
        self.opened = threading.Event()

    def __call__(self, session: Session, now: datetime) -> str:
        assert self.opened.wait(timeout=30), "the test never opened the gate"
        _audit(session, "gate", now)
        return "gate"


async def _batch(writer: GroupCommit, *units: Any) -> list[Any]:
    """Run `units` as one batch (after a gate) and return each one's result or exception."""
    gate = _Gate()
    tasks = [asyncio.ensure_future(writer.run(gate))]
    tasks += [asyncio.ensure_future(writer.run(unit)) for unit in units]
    await asyncio.sleep(0)  # each task has queued its unit (no time passes)
    gate.opened.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[0] == "gate"
    return results[1:]


def test_a_refused_unit_writes_nothing_and_fails_none_of_its_batch(
    db: Database, clock: FakeClock
) -> None:
    writer = GroupCommit(db, clock, name="test-group-commit")
    sessions: dict[str, int] = {}

    def unit(key: str, *, refuse: bool = False) -> Any:
        def work(session: Session, now: datetime) -> str:
            sessions[key] = id(session)
            _audit(session, key, now)
            session.flush()  # written to the database, inside the savepoint
            if refuse:
                raise Invalid("is refused", key)
            return key

        return work

    first, refused, last = asyncio.run(
        _batch(writer, unit("first"), unit("refused", refuse=True), unit("last"))
    )

    assert (first, last) == ("first", "last")
    assert isinstance(refused, Invalid) and refused.errors[0].field == "refused"
    assert _stored(db) == ["first", "gate", "last"]
    assert sessions["first"] == sessions["refused"] == sessions["last"]  # one transaction


def test_a_unit_that_fails_otherwise_runs_again_alone_after_its_batch_commits(
    db: Database, clock: FakeClock
) -> None:
    writer = GroupCommit(db, clock, name="test-group-commit")
    sessions: dict[str, list[int]] = {"other": [], "victim": []}

    def other(session: Session, now: datetime) -> str:
        sessions["other"].append(id(session))
        _audit(session, "other", now)
        return "other"

    def victim(session: Session, now: datetime) -> str:
        # As a deadlock with another process fails a statement: the first time only.
        sessions["victim"].append(id(session))
        _audit(session, "victim", now)
        session.flush()
        if len(sessions["victim"]) == 1:
            raise RuntimeError("deadlock detected")
        return "victim"

    def broken(session: Session, now: datetime) -> str:
        _audit(session, "broken", now)
        raise RuntimeError("always")

    ran_other, ran_victim, ran_broken = asyncio.run(_batch(writer, other, victim, broken))

    assert (ran_other, ran_victim) == ("other", "victim")
    assert isinstance(ran_broken, RuntimeError) and str(ran_broken) == "always"
    assert _stored(db) == ["gate", "other", "victim"]  # the victim's first try left nothing
    first_try, second_try = sessions["victim"]
    assert first_try == sessions["other"][0] and second_try != first_try


def test_no_unit_hears_back_before_its_batch_commits(db: Database, clock: FakeClock) -> None:
    writer = GroupCommit(db, clock, name="test-group-commit")
    seen: dict[str, Any] = {}

    async def scenario() -> list[Any]:
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Future[Any]] = []

        def early(session: Session, now: datetime) -> str:
            _audit(session, "early", now)
            return "early"

        def late(session: Session, now: datetime) -> str:
            # Runs after `early` in the same batch: ask the event loop, twice round (the time
            # an answer already sent would take to wake its task), whether early has its
            # answer, and whether its row can be read from outside the transaction.
            looked = threading.Event()

            def look() -> None:
                seen["early answered"] = tasks[0].done()
                seen["early readable"] = "early" in _stored(db)
                looked.set()

            loop.call_soon_threadsafe(loop.call_soon, look)
            assert looked.wait(timeout=30)
            return "late"

        gate = _Gate()
        gated = asyncio.ensure_future(writer.run(gate))
        tasks += [asyncio.ensure_future(writer.run(early)), asyncio.ensure_future(writer.run(late))]
        await asyncio.sleep(0)
        gate.opened.set()
        await gated
        results = await asyncio.gather(*tasks)
        seen["readable once answered"] = "early" in _stored(db)
        return results

    assert asyncio.run(scenario()) == ["early", "late"]
    assert seen == {
        "early answered": False,
        "early readable": False,
        "readable once answered": True,
    }


@pytest.mark.parametrize("refuse", [False, True])
def test_a_lone_unit_is_answered_with_its_result_or_its_refusal(
    db: Database, clock: FakeClock, refuse: bool
) -> None:
    writer = GroupCommit(db, clock, name="test-group-commit")

    def work(session: Session, now: datetime) -> str:
        _audit(session, "lone", now)
        if refuse:
            raise Invalid("is refused", "lone")
        return "lone"

    async def one() -> Any:
        try:
            return await writer.run(work)
        except Invalid as error:
            return error

    answer = asyncio.run(one())
    assert isinstance(answer, Invalid) if refuse else answer == "lone"
    assert _stored(db) == ([] if refuse else ["lone"])


def test_a_unit_whose_rows_the_database_refuses_fails_alone_and_the_others_are_stored(
    db: Database, clock: FakeClock
) -> None:
    writer = GroupCommit(db, clock, name="test-group-commit")

    def refused_row(session: Session, now: datetime) -> str:
        # NOT NULL broken: the session's flush fails, which leaves the session unusable.
        entry = AuditEntry(at=now, actor=None, action="x", entity_type="unit", entity_key="bad")
        session.add(entry)
        return "bad"

    before, bad, after = asyncio.run(
        _batch(writer, _auditing("before"), refused_row, _auditing("after"))
    )

    assert (before, after) == ("before", "after")
    assert isinstance(bad, IntegrityError)
    assert _stored(db) == ["after", "before", "gate"]


def test_a_unit_after_which_the_database_rolled_everything_back_loses_no_other_unit(
    db: Database, clock: FakeClock
) -> None:
    writer = GroupCommit(db, clock, name="test-group-commit")

    def rolled_back(session: Session, now: datetime) -> str:
        # What SQLite does of itself on a full disk: the whole transaction is gone.
        session.connection().exec_driver_sql("ROLLBACK")
        raise RuntimeError("disk full")

    before, lost, after = asyncio.run(
        _batch(writer, _auditing("before"), rolled_back, _auditing("after"))
    )

    assert (before, after) == ("before", "after")
    assert isinstance(lost, RuntimeError) and str(lost) == "disk full"
    assert _stored(db) == ["after", "before", "gate"]
