"""Durable due jobs: a domain writes "do KIND for KEY at DUE_AT" in its own transaction, the
engine claims due rows and runs them. On PostgreSQL claims use FOR UPDATE SKIP LOCKED, so two
engines never run one job twice; on SQLite the single writer lock gives the same guarantee."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from onwatch.core.db import Base


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        # One pending job per (kind, key): rescheduling moves it instead of adding a second.
        UniqueConstraint("kind", "key"),
        Index("ix_job_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


def schedule(
    session: Session,
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Schedule (or move) the job KIND/KEY to run at `due_at`."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "kind": kind,
        "key": key,
        "due_at": due_at,
        "payload": payload or {},
        "attempts": 0,
        "created_at": now,
    }
    stmt = insert(Job).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={"due_at": due_at, "payload": payload or {}, "attempts": 0, "last_error": None},
    )
    session.execute(stmt)


def cancel(session: Session, kind: str, key: str) -> None:
    session.execute(delete(Job).where(Job.kind == kind, Job.key == key))


def claim_due(session: Session, kinds: list[str], now: datetime, limit: int = 100) -> list[Job]:
    """Lock and return due jobs of these kinds; rows another engine holds are skipped."""
    stmt = (
        select(Job)
        .where(Job.kind.in_(kinds), Job.due_at <= now)
        .order_by(Job.due_at, Job.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def finish(session: Session, job: Job) -> None:
    session.delete(job)


def retry_later(job: Job, now: datetime, error: str) -> None:
    """Push a failed job back with exponential backoff (capped at one hour)."""
    job.attempts += 1
    job.last_error = error[:2000]
    job.due_at = now + min(timedelta(seconds=2**job.attempts), timedelta(hours=1))


def next_due_at(session: Session) -> datetime | None:
    return session.scalar(select(Job.due_at).order_by(Job.due_at).limit(1))
