"""SQL of error tracking. Takes a session, never commits. The inserts that race (a new issue, a
retried event, a new affected user) lean on unique indexes with ON CONFLICT, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, desc, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.core.errors import NotFound
from onwatch.directory.models import Service
from onwatch.errors.models import (
    ErrorAffected,
    ErrorEvent,
    ErrorHour,
    ErrorIngestion,
    ErrorIssue,
    ErrorKey,
    ErrorSample,
)

SORTS = {
    "last_seen": ErrorIssue.last_seen_at,
    "events": ErrorIssue.event_count,
    "users": ErrorIssue.user_count,
}


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def key_row(session: Session, public_key: str) -> ErrorKey | None:
    return session.scalar(select(ErrorKey).where(ErrorKey.public_key == public_key))


def keys_of(session: Session, service_id: int | None = None) -> list[tuple[ErrorKey, str]]:
    query = select(ErrorKey, Service.name).join(Service, Service.id == ErrorKey.service_id)
    if service_id is not None:
        query = query.where(ErrorKey.service_id == service_id)
    return [(k, name) for k, name in session.execute(query.order_by(ErrorKey.id))]


def is_seen(session: Session, service_id: int, event_id: str) -> bool:
    found = session.scalar(
        select(ErrorEvent.id).where(
            ErrorEvent.service_id == service_id, ErrorEvent.event_id == event_id
        )
    )
    return found is not None


def issue_for(session: Session, values: dict[str, Any]) -> ErrorIssue:
    """The issue of (service_id, fingerprint), inserted with `values` if there is none; locked
    for update. A concurrent insert of the same issue makes ours do nothing (the unique index)
    and we read theirs, which PostgreSQL has by then committed or is waiting on."""
    statement = (
        _insert(session, ErrorIssue)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["service_id", "fingerprint"])
    )
    session.execute(statement)
    found = session.scalar(
        select(ErrorIssue)
        .where(
            ErrorIssue.service_id == values["service_id"],
            ErrorIssue.fingerprint == values["fingerprint"],
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert found is not None  # inserted above, or by the transaction we conflicted with
    return found


def add_event(session: Session, values: dict[str, Any]) -> bool:
    """Store an event row; False when its (service, event_id) is already stored (a retry)."""
    statement = (
        _insert(session, ErrorEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["service_id", "event_id"])
        .returning(ErrorEvent.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
    return session.execute(statement).first() is not None


def add_affected(session: Session, issue_id: int, kind: str, value: str) -> bool:
    """Note that the issue hit this user or IP; True if it had not before."""
    statement = (
        _insert(session, ErrorAffected)
        .values(issue_id=issue_id, kind=kind, value=value)
        .on_conflict_do_nothing(index_elements=["issue_id", "kind", "value"])
        .returning(ErrorAffected.issue_id)
    )
    return session.execute(statement).first() is not None


def count_hour(session: Session, issue_id: int, hour_at: datetime) -> None:
    statement = _insert(session, ErrorHour).values(issue_id=issue_id, hour_at=hour_at, count=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["issue_id", "hour_at"],
            set_={"count": ErrorHour.__table__.c.count + 1},
        )
    )


def add_sample(session: Session, values: dict[str, Any], keep: int) -> None:
    """Store a sample and drop the issue's samples older than the latest `keep`."""
    session.execute(_insert(session, ErrorSample).values(**values))
    issue_id = values["issue_id"]
    oldest_kept = (
        select(ErrorSample.id)
        .where(ErrorSample.issue_id == issue_id)
        .order_by(desc(ErrorSample.id))
        .offset(keep - 1)
        .limit(1)
        .scalar_subquery()
    )
    session.execute(
        delete(ErrorSample).where(ErrorSample.issue_id == issue_id, ErrorSample.id < oldest_kept)
    )


def count_items(
    session: Session, service_id: int, counts: dict[str, tuple[int, int]], now: datetime
) -> None:
    """Add {item_type: (items, quantity)} to the service's ingestion counts, in type order (so
    that concurrent requests lock rows in one order)."""
    table = ErrorIngestion.__table__.c
    for item_type in sorted(counts):
        items, quantity = counts[item_type]
        statement = _insert(session, ErrorIngestion).values(
            service_id=service_id, item_type=item_type, count=items, quantity=quantity, last_at=now
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["service_id", "item_type"],
                set_={
                    "count": table.count + items,
                    "quantity": table.quantity + quantity,
                    "last_at": now,
                },
            )
        )


def ingestion_of(session: Session, service_id: int) -> list[ErrorIngestion]:
    return list(
        session.scalars(
            select(ErrorIngestion)
            .where(ErrorIngestion.service_id == service_id)
            .order_by(ErrorIngestion.item_type)
        )
    )


def issues(
    session: Session,
    *,
    service_id: int | None = None,
    status: str | None = None,
    sort: str = "last_seen",
    limit: int = 100,
) -> list[tuple[ErrorIssue, str]]:
    query: Select[Any] = select(ErrorIssue, Service.name).join(
        Service, Service.id == ErrorIssue.service_id
    )
    if service_id is not None:
        query = query.where(ErrorIssue.service_id == service_id)
    if status is not None:
        query = query.where(ErrorIssue.status == status)
    query = query.order_by(desc(SORTS[sort]), desc(ErrorIssue.id)).limit(limit)
    return [(issue, name) for issue, name in session.execute(query)]


def issue(session: Session, issue_id: int, *, lock: bool = False) -> ErrorIssue:
    query = select(ErrorIssue).where(ErrorIssue.id == issue_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound(f"no error issue {issue_id}")
    return found


def samples(session: Session, issue_id: int) -> list[ErrorSample]:
    return list(
        session.scalars(
            select(ErrorSample)
            .where(ErrorSample.issue_id == issue_id)
            .order_by(desc(ErrorSample.id))
        )
    )


def hours(session: Session, issue_id: int, since: datetime) -> list[tuple[datetime, int]]:
    rows = session.execute(
        select(ErrorHour.hour_at, ErrorHour.count)
        .where(ErrorHour.issue_id == issue_id, ErrorHour.hour_at >= since)
        .order_by(ErrorHour.hour_at)
    )
    return [(at, count) for at, count in rows]


def events_between(session: Session, issue_id: int, start: datetime, end: datetime) -> int:
    """Events of an issue received in [start, end): for evidence bundles and deploy watches."""
    return (
        session.scalar(
            select(func.count())
            .select_from(ErrorEvent)
            .where(
                ErrorEvent.issue_id == issue_id,
                ErrorEvent.received_at >= start,
                ErrorEvent.received_at < end,
            )
        )
        or 0
    )
