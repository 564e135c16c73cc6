"""SQL of error tracking. Takes a session, never commits. The inserts that race (a new issue, a
retried event, a new affected user) lean on unique indexes with ON CONFLICT, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, case, desc, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.core.errors import NotFound
from onwatch.directory.models import Service
from onwatch.errors.envelope import COUNTED, PROCESSED
from onwatch.errors.models import (
    ErrorAffected,
    ErrorAlias,
    ErrorEvent,
    ErrorHour,
    ErrorIngestion,
    ErrorIssue,
    ErrorKey,
    ErrorSample,
)

# Impact ranks urgent first, then annoying, then issues nobody triaged yet, noise last.
IMPACT_RANK = case(
    {"work_stopping": 4, "data_corrupting": 3, "annoying": 2, "noise": 0},
    value=ErrorIssue.impact,
    else_=1,
)
SORTS = {
    "last_seen": ErrorIssue.last_seen_at,
    "events": ErrorIssue.event_count,
    "users": ErrorIssue.user_count,
    "impact": IMPACT_RANK,
}


def key_row(session: Session, public_key: str) -> Any:
    """(id, service_id, disabled_at, rate_limit) of a DSN key, or None."""
    return _run(session, "key", {"public_key": public_key}).first()


def keys_of(session: Session, service_id: int | None = None) -> list[tuple[ErrorKey, str]]:
    query = select(ErrorKey, Service.name).join(Service, Service.id == ErrorKey.service_id)
    if service_id is not None:
        query = query.where(ErrorKey.service_id == service_id)
    return [(k, name) for k, name in session.execute(query.order_by(ErrorKey.id))]


def issue_for(session: Session, values: dict[str, Any]) -> SimpleNamespace:
    """The issue of (service_id, fingerprint) as a mutable record of its columns (or of the issue
    it was merged into), inserted with `values` if there is none; locked for update. A
    concurrent insert of the same issue makes ours do nothing (the unique index) and we read
    theirs, which PostgreSQL has by then committed or is waiting on. Save changes with
    update_issue."""
    key = {"service_id": values["service_id"], "fingerprint": values["fingerprint"]}
    row = _run(session, "issue_select", key).first()
    if row is None:
        row = _run(session, "issue_aliased", key).first()  # the hash of a merged issue
    if row is None:
        _run(session, "issue_insert", values)
        row = _run(session, "issue_select", key).one()
    return SimpleNamespace(**row._asdict())


def update_issue(session: Session, issue_id: int, changes: dict[str, Any]) -> None:
    if changes:
        _run(session, "issue_update", {**changes, "issue_id_": issue_id})


def add_event(session: Session, values: dict[str, Any]) -> bool:
    """Store an event row; False when its (service, event_id) is already stored (a retry)."""
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
    return _run(session, "event_insert", values).first() is not None


def add_affected(
    session: Session, issue_id: int, user_key: str | None, ip: str | None
) -> tuple[bool, bool]:
    """Note that the issue hit this user and client IP (either may be None): whether each is
    new to it. One statement for both."""
    if user_key is not None and ip is not None:
        params = {"issue_id": issue_id, "user_key": user_key, "ip": ip}
        new = {kind for (kind,) in _run(session, "affected_both", params)}
        return "user" in new, "ip" in new
    if user_key is None and ip is None:
        return False, False
    kind, value = ("user", user_key) if user_key is not None else ("ip", ip)
    params = {"issue_id": issue_id, "kind": kind, "value": value}
    found = _run(session, "affected_insert", params).first() is not None
    return (found, False) if kind == "user" else (False, found)


def count_hour(session: Session, issue_id: int, hour_at: datetime) -> None:
    _run(session, "hour_upsert", {"issue_id": issue_id, "hour_at": hour_at})


def add_sample(session: Session, values: dict[str, Any], keep: int) -> None:
    """Store the issue's event number `seq` as a sample, over the one `keep` events older."""
    _run(session, "sample_upsert", {**values, "slot": values["seq"] % keep})


def count_items(
    session: Session, service_id: int, counts: dict[str, tuple[int, int]], now: datetime
) -> None:
    """Add {item_type: (items, quantity)} to the service's ingestion counts, in type order (so
    that concurrent requests lock rows in one order)."""
    for item_type in sorted(counts):
        items, quantity = counts[item_type]
        values = {
            "service_id": service_id,
            "item_type": item_type,
            "count": items,
            "quantity": quantity,
            "last_at": now,
        }
        _run(session, "ingestion_upsert", values)


def _run(session: Session, name: str, params: dict[str, Any]) -> Any:
    """One of the intake's statements, built once per dialect and run on the session's
    connection straight through the DBAPI cursor (_Direct): SQLAlchemy's work per execution,
    even with its cache of compiled statements, was most of intake's time. Rows have `first`,
    `one` and iteration, each row `_asdict` and its columns as attributes, as SQLAlchemy's."""
    connection = session.connection()
    direct = _direct(connection.dialect, name, tuple(params))
    if direct is None:
        return connection.execute(_statements(connection.dialect.name)[name], params)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(direct.sql, direct.arguments(params))
        rows = cursor.fetchall() if cursor.description is not None else []
    finally:
        cursor.close()
    return _Rows([direct.row(row) for row in rows])


class _Direct:
    """A statement compiled once for a dialect and a set of parameter names: its SQL, how to
    make the DBAPI's arguments (the values in the SQL's order for SQLite, by name for psycopg;
    each through the bind processor SQLAlchemy would apply: UTC datetimes, JSON), and how to
    read its rows (each column through its type's result processor)."""

    def __init__(self, statement: Any, compiled: Any, dialect: Any) -> None:
        self.sql: str = compiled.string
        # Values the statement itself binds (`count=1`), beside those passed in.
        self.fixed = {n: b.effective_value for n, b in compiled.binds.items() if not b.required}
        processors = compiled._bind_processors  # what SQLAlchemy's execution applies
        self.positional = dialect.positional
        names = list(compiled.positiontup) if self.positional else list(compiled.binds)
        self.steps = [(name, processors.get(name)) for name in names]
        columns = list(getattr(statement, "selected_columns", ()))
        self.readers = [c.type._cached_result_processor(dialect, None) for c in columns]
        self.make = namedtuple("Row", [c.key for c in columns]) if columns else tuple

    def arguments(self, params: dict[str, Any]) -> Any:
        values = []
        for name, process in self.steps:
            value = params[name] if name in params else self.fixed[name]
            values.append(value if process is None else process(value))
        if self.positional:
            return values
        return dict(zip((name for name, _ in self.steps), values, strict=True))

    def row(self, raw: Any) -> Any:
        if self.make is tuple:
            return raw
        return self.make(
            *(v if read is None else read(v) for v, read in zip(raw, self.readers, strict=True))
        )


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if len(self.rows) != 1:
            raise LookupError(f"expected one row, got {len(self.rows)}")
        return self.rows[0]

    def __iter__(self) -> Any:
        return iter(self.rows)


@cache
def _direct(dialect: Any, name: str, keys: tuple[str, ...]) -> _Direct | None:
    """The statement `name` compiled for parameters `keys`, or None when SQLAlchemy must run it
    (an insert leaving a column to its Python-side default, which SQLAlchemy computes)."""
    statement = _statements(dialect.name)[name]
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    defaults = compiled.insert_prefetch or compiled.update_prefetch
    return None if defaults else _Direct(statement, compiled, dialect)


@cache
def _statements(dialect: str) -> dict[str, Any]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key, issue, event = ErrorKey.__table__, ErrorIssue.__table__, ErrorEvent.__table__
    hour, sample, ingestion = ErrorHour.__table__, ErrorSample.__table__, ErrorIngestion.__table__
    affected, alias = ErrorAffected.__table__, ErrorAlias.__table__
    counted, sampled = insert(ingestion), insert(sample)
    return {
        "key": select(key.c.id, key.c.service_id, key.c.disabled_at, key.c.rate_limit).where(
            key.c.public_key == bindparam("public_key")
        ),
        "issue_insert": insert(issue).on_conflict_do_nothing(
            index_elements=["service_id", "fingerprint"]
        ),
        "issue_select": select(issue)
        .where(
            issue.c.service_id == bindparam("service_id"),
            issue.c.fingerprint == bindparam("fingerprint"),
        )
        .with_for_update(),
        "issue_aliased": select(issue)
        .join(alias, alias.c.issue_id == issue.c.id)
        .where(
            alias.c.service_id == bindparam("service_id"),
            alias.c.fingerprint == bindparam("fingerprint"),
        )
        .with_for_update(of=issue),
        "issue_update": update(issue).where(issue.c.id == bindparam("issue_id_")),
        "event_insert": insert(event)
        .on_conflict_do_nothing(index_elements=["service_id", "event_id"])
        .returning(event.c.id),
        "affected_insert": insert(affected)
        .on_conflict_do_nothing(index_elements=["issue_id", "kind", "value"])
        .returning(affected.c.kind),
        # Written out: a multi-row VALUES of bound parameters is compiled again on every call.
        "affected_both": text(
            "INSERT INTO error_affected (issue_id, kind, value)"
            " VALUES (:issue_id, 'user', :user_key), (:issue_id, 'ip', :ip)"
            " ON CONFLICT (issue_id, kind, value) DO NOTHING RETURNING kind"
        ),
        "hour_upsert": insert(hour)
        .values(issue_id=bindparam("issue_id"), hour_at=bindparam("hour_at"), count=1)
        .on_conflict_do_update(
            index_elements=["issue_id", "hour_at"], set_={"count": hour.c.count + 1}
        ),
        "sample_upsert": sampled.on_conflict_do_update(
            index_elements=["issue_id", "slot"],
            set_={
                name: getattr(sampled.excluded, name)
                for name in ("seq", "event_id", "received_at", "url", "payload")
            },
        ),
        "ingestion_upsert": counted.on_conflict_do_update(
            index_elements=["service_id", "item_type"],
            set_={
                "count": ingestion.c.count + counted.excluded.count,
                "quantity": ingestion.c.quantity + counted.excluded.quantity,
                "last_at": counted.excluded.last_at,
            },
        ),
    }


def skipped_types(session: Session, service_id: int) -> set[str]:
    """The item types the service's ingestion counts under a name of their own, though onwatch
    neither processes nor counts them by design (envelope.PROCESSED, COUNTED)."""
    rows = session.scalars(
        select(ErrorIngestion.item_type).where(
            ErrorIngestion.service_id == service_id,
            ErrorIngestion.item_type.not_in([*PROCESSED, *COUNTED, "other"]),
        )
    )
    return set(rows)


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
    # Within one impact, the issue with more events first.
    then = ErrorIssue.event_count if sort == "impact" else ErrorIssue.id
    query = query.order_by(desc(SORTS[sort]), desc(then), desc(ErrorIssue.id)).limit(limit)
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
            .order_by(desc(ErrorSample.seq))
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
