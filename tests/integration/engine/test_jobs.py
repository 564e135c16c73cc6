"""Due jobs run once, in order of due time, and a failing job is retried later."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.audit.models import AuditEntry
from onwatch.core import jobs
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.loop import Engine
from onwatch.engine.steps import JobStep, Step


def _mark(session: Session, payload: dict[str, Any], now: Any) -> None:
    record(session, actor="engine", action="job.ran", entity_type="job",
           entity_key=payload["key"], at=now)


def _engine(db: Database, clock: FakeClock, batch: int = 100) -> Engine:
    return Engine(db, clock, [Step("jobs", JobStep({"mark": _mark}, batch=batch))])


def _ran(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry.entity_key).order_by(AuditEntry.id)))


def test_job_runs_only_when_due(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        jobs.schedule(session, "mark", "a", clock.now() + timedelta(minutes=5), clock.now(),
                      {"key": "a"})
    engine = _engine(db, clock)
    assert engine.tick().done == {"jobs": 0}
    clock.advance(timedelta(minutes=5))
    assert engine.tick().done == {"jobs": 1}
    assert _ran(db) == ["a"]
    assert engine.tick().done == {"jobs": 0}


def test_rescheduling_a_job_moves_it_instead_of_adding_another(db: Database,
                                                              clock: FakeClock) -> None:
    now = clock.now()
    with db.transaction() as session:
        jobs.schedule(session, "mark", "a", now + timedelta(minutes=1), now, {"key": "first"})
        jobs.schedule(session, "mark", "a", now + timedelta(minutes=2), now, {"key": "second"})
    engine = _engine(db, clock)
    engine.tick(now + timedelta(minutes=1))
    assert _ran(db) == []
    engine.tick(now + timedelta(minutes=2))
    assert _ran(db) == ["second"]


def test_failing_job_is_retried_with_backoff_and_others_still_run(db: Database,
                                                                 clock: FakeClock) -> None:
    calls = {"n": 0}

    def flaky(session: Session, payload: dict[str, Any], now: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("receiver down")
        _mark(session, payload, now)

    now = clock.now()
    with db.transaction() as session:
        jobs.schedule(session, "flaky", "f", now, now, {"key": "f"})
        jobs.schedule(session, "mark", "m", now, now, {"key": "m"})
    engine = Engine(db, clock, [Step("jobs", JobStep({"flaky": flaky, "mark": _mark}))])
    engine.tick(now)
    assert _ran(db) == ["m"]
    with db.read() as session:
        job = session.scalar(select(jobs.Job))
        assert job is not None
        assert (job.attempts, job.last_error) == (1, "RuntimeError: receiver down")
        assert job.due_at == now + timedelta(seconds=2)
    engine.tick(now + timedelta(seconds=1))
    assert _ran(db) == ["m"]
    engine.tick(now + timedelta(seconds=2))
    assert _ran(db) == ["m", "f"]


def test_two_engines_never_run_the_same_job_twice(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    keys = [f"job-{i:03d}" for i in range(300)]
    with db.transaction() as session:
        for key in keys:
            jobs.schedule(session, "mark", key, now, now, {"key": key})
    # Each engine gets its own connection pool, as two processes would.
    second = Database(db.url)
    engines = [_engine(db, clock, batch=7), _engine(second, clock, batch=7)]
    start = threading.Barrier(2)
    worked = [0, 0]

    def drain(i: int) -> None:
        start.wait()
        while (done := engines[i].tick(now).done["jobs"]) > 0:
            worked[i] += done

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.dispose()

    ran = _ran(db)
    assert sorted(ran) == keys, "every job ran exactly once"
    assert sum(worked) == len(keys)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(jobs.Job)) == 0
