"""Writing alert and alert-event rows for a batch of triggers, one way per backend, below the
ORM: intake spends its time here, and SQLAlchemy's per-row parameter processing cost more
than the statements themselves.

An alert is two rows: `alert` (what the monitor said) and `alert_tally` (counts, last seen,
event_hash: what a repeat changes). PostgreSQL: one `INSERT … SELECT FROM unnest(array per
column) ON CONFLICT` per table, the alert's on the open-alert index, so racing triggers fold
into one alert. SQLite: the intake transaction holds the write lock from its BEGIN, so nothing
can race; existing alerts are read in one SELECT, updated by id and the new ones inserted in
multi-row statements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from psycopg.types.json import Jsonb
from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from onwatch.alerts.models import ALERT, ALERT_TALLY, Alert, AlertEventRecord
from onwatch.core.db import json_text

OPEN = text("status <> 'resolved'")
# What a trigger writes, by column of each table; the caller's parameters have exactly these keys.
ALERT_COLUMNS = (
    "service_id",
    "integration_id",
    "dedup_key",
    "status",
    "summary",
    "severity",
    "source",
    "component",
    "group_name",
    "class_name",
    "generator_url",
    "labels",
    "annotations",
    "details",
    "links",
    "first_seen_at",
)
TALLY_COLUMNS = ("count", "event_count", "last_seen_at", "event_hash")
UPSERT_COLUMNS = ALERT_COLUMNS + TALLY_COLUMNS
# What a repeat takes from the newest trigger; the rest keeps what the first one said.
LATEST = (
    "summary",
    "severity",
    "source",
    "component",
    "labels",
    "annotations",
    "details",
    "links",
    "generator_url",
)
EVENT_COLUMNS = (
    "alert_id",
    "seq",
    "received_at",
    "action",
    "outcome",
    "summary",
    "severity",
    "payload",
)
_JSON = frozenset(("labels", "annotations", "details", "links", "payload"))
_TIMES = frozenset(("first_seen_at", "last_seen_at", "received_at"))
_ROWS_PER_INSERT = 200  # x 20 columns: well under SQLite's limit of bound parameters


class Stored(NamedTuple):
    """An alert as a batch of its triggers left it."""

    id: int
    service_id: int
    dedup_key: str
    count: int
    event_count: int
    incident_id: int | None
    severity: str


def upsert_triggers(session: Session, params: Sequence[dict[str, Any]]) -> list[Stored]:
    """Write the alert rows for `params` (one per open alert: a new alert is inserted, an open
    one gets its counts raised by `count` and the LATEST fields); each alert as stored."""
    if not params:
        return []
    bind = session.connection()
    if bind.dialect.name == "postgresql":
        return _upsert_postgresql(bind, params)
    return _upsert_sqlite(bind, params)


def insert_events(session: Session, records: Sequence[dict[str, Any]]) -> None:
    """Insert alert_event rows, each a dict with the EVENT_COLUMNS."""
    if not records:
        return
    bind = session.connection()
    if bind.dialect.name == "postgresql":
        _execute_arrays(bind, _unnest_insert_sql(), records)
        return
    cursor = bind.connection.driver_connection.cursor()
    cursor.executemany(
        f"INSERT INTO alert_event ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
        list(_sqlite_values(bind.dialect, records, EVENT_COLUMNS)),
    )
    cursor.close()


def _upsert_sqlite(bind: Any, params: Sequence[dict[str, Any]]) -> list[Stored]:
    cursor = bind.connection.driver_connection.cursor()
    found = open_alerts(cursor, _keys(params))
    values = dict(
        zip(_keys(params), _sqlite_values(bind.dialect, params, UPSERT_COLUMNS), strict=True)
    )
    latest = [UPSERT_COLUMNS.index(name) for name in LATEST]
    tally = [UPSERT_COLUMNS.index(name) for name in TALLY_COLUMNS]
    alerts, tallies, inserts, stored = [], [], [], {}
    for p, (key, row) in zip(params, values.items(), strict=True):
        if key not in found:
            inserts.append(row[: len(ALERT_COLUMNS)])
            continue
        alert, added = found[key], p["count"]
        alerts.append((*(row[i] for i in latest), alert.id))
        tallies.append((*(row[i] for i in tally), alert.id))
        stored[key] = Stored(
            alert.id,
            *key,
            alert.count + added,
            alert.event_count + added,
            alert.incident_id,
            p["severity"],
        )
    if alerts:
        assignments = ", ".join(f"{name} = ?" for name in LATEST)
        cursor.executemany(f"UPDATE alert SET {assignments} WHERE id = ?", alerts)
        cursor.executemany(
            "UPDATE alert_tally SET count = count + ?, event_count = event_count + ?, "
            "last_seen_at = ?, event_hash = ? WHERE alert_id = ?",
            tallies,
        )
    one = f"({', '.join('?' * len(ALERT_COLUMNS))})"
    for start in range(0, len(inserts), _ROWS_PER_INSERT):
        chunk = inserts[start : start + _ROWS_PER_INSERT]
        rows = cursor.execute(
            f"INSERT INTO alert ({', '.join(ALERT_COLUMNS)}) "
            f"VALUES {', '.join([one] * len(chunk))} "
            "RETURNING id, service_id, dedup_key, incident_id, severity",
            [value for row in chunk for value in row],
        ).fetchall()
        new = [(row[0], *values[(row[1], row[2])][len(ALERT_COLUMNS) :]) for row in rows]
        cursor.executemany(
            f"INSERT INTO alert_tally (alert_id, {', '.join(TALLY_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?)",
            new,
        )
        stored.update(
            {
                (row[1], row[2]): Stored(row[0], row[1], row[2], t[1], t[2], row[3], row[4])
                for row, t in zip(rows, new, strict=True)
            }
        )
    cursor.close()
    return [stored[key] for key in values]


def _keys(params: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(p["service_id"], p["dedup_key"]) for p in params]


def _upsert_postgresql(bind: Any, params: Sequence[dict[str, Any]]) -> list[Stored]:
    """The alert rows first (inserted, or the LATEST fields of the open one), then their
    tallies (inserted, or raised): each statement one upsert over arrays."""
    alerts = {
        (service_id, dedup_key): (alert_id, incident_id, severity)
        for alert_id, service_id, dedup_key, incident_id, severity in _execute_arrays(
            bind, _alert_upsert_sql(), [{c: p[c] for c in ALERT_COLUMNS} for p in params]
        )
    }
    tallies = sorted(
        (
            {"alert_id": alerts[key][0], **{c: p[c] for c in TALLY_COLUMNS}}
            for key, p in zip(_keys(params), params, strict=True)
        ),
        key=lambda tally: tally["alert_id"],  # the same lock order in every transaction
    )
    counts = {
        alert_id: (count, event_count)
        for alert_id, count, event_count in _execute_arrays(bind, _tally_upsert_sql(), tallies)
    }
    stored = []
    for key in _keys(params):
        alert_id, incident_id, severity = alerts[key]
        stored.append(Stored(alert_id, *key, *counts[alert_id], incident_id, severity))
    return stored


class OpenAlert(NamedTuple):
    id: int
    count: int
    event_count: int
    incident_id: int | None
    event_hash: str | None


def open_alerts(cursor: Any, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], OpenAlert]:
    """The open alerts with these (service id, dedup key)s, read with the SQLite driver's
    `cursor`: one statement per service, whose one row is them all as a JSON array.

    One row rather than a row per alert because the driver lets go of the GIL for every row
    it steps to and must take it back after: with the event loop busy on the other core, each
    of those waits its turn, and a batch of repeats spent most of its time waiting."""
    by_service: dict[int, list[str]] = {}
    for service_id, dedup_key in keys:
        by_service.setdefault(service_id, []).append(dedup_key)
    found = {}
    for service_id, dedup_keys in by_service.items():
        (listed,) = cursor.execute(_OPEN_ALERTS, (service_id, json_text(dedup_keys))).fetchone()
        for dedup_key, *alert in orjson.loads(listed):
            found[(service_id, dedup_key)] = OpenAlert(*alert)
    return found


_OPEN_ALERTS = (
    "SELECT json_group_array(json_array(alert.dedup_key, alert.id, tally.count, "
    "tally.event_count, alert.incident_id, tally.event_hash)) "
    # CROSS JOIN: SQLite then keeps the keys as the outer loop and finds each alert on the
    # open-alert index; with a plain JOIN it walks every alert of the service instead.
    "FROM json_each(?2) AS given CROSS JOIN alert ON alert.service_id = ?1 "
    "AND alert.dedup_key = given.value AND alert.status <> 'resolved' "
    "CROSS JOIN alert_tally AS tally ON tally.alert_id = alert.id"
)


def update_alerts(session: Session, where: Any, **values: Any) -> None:
    """UPDATE alert SET `values` WHERE `where` (over ALERT's columns). Alert is mapped to two
    tables, which the ORM's bulk UPDATE cannot change; alerts already loaded in the session
    read the changed columns again on their next use."""
    session.execute(update(ALERT).where(where).values(**values))
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Alert):
            session.expire(loaded, list(values))


def db_time(dialect: Dialect, value: datetime) -> Any:
    """`value` as the dialect stores a time of Alert (for SQLite, the text SQLAlchemy writes)."""
    column_type = ALERT_TALLY.c.last_seen_at.type
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def _sqlite_values(
    dialect: Any, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """Each row as the tuple SQLite's driver takes: JSON as text, times as SQLAlchemy writes
    them (so that the ORM reads them back alike)."""
    stamps: dict[Any, Any] = {}
    for row in rows:
        values = []
        for name in columns:
            value = row[name]
            if name in _JSON:
                value = json_text(value)
            elif name in _TIMES:
                if value not in stamps:
                    stamps[value] = db_time(dialect, value)
                value = stamps[value]
            values.append(value)
        yield tuple(values)


@cache
def _alert_upsert_sql() -> str:
    """The alert rows' upsert for PostgreSQL, over one array per column."""
    stmt = _unnest_insert(ALERT, ALERT_COLUMNS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["service_id", "dedup_key"],
        index_where=OPEN,
        set_={name: stmt.excluded[name] for name in LATEST},
    ).returning(
        *(ALERT.c[name] for name in ("id", "service_id", "dedup_key", "incident_id", "severity"))
    )
    return _driver_sql(stmt)


@cache
def _tally_upsert_sql() -> str:
    """The tallies' upsert for PostgreSQL: a new alert's inserted, an open one's raised."""
    stmt = _unnest_insert(ALERT_TALLY, ("alert_id", *TALLY_COLUMNS))
    stmt = stmt.on_conflict_do_update(
        index_elements=["alert_id"],
        set_={
            "count": ALERT_TALLY.c.count + stmt.excluded.count,
            "event_count": ALERT_TALLY.c.event_count + stmt.excluded.event_count,
            "last_seen_at": stmt.excluded.last_seen_at,
            "event_hash": stmt.excluded.event_hash,
        },
    ).returning(ALERT_TALLY.c.alert_id, ALERT_TALLY.c.count, ALERT_TALLY.c.event_count)
    return _driver_sql(stmt)


@cache
def _unnest_insert_sql() -> str:
    return _driver_sql(_unnest_insert(AlertEventRecord.__table__, EVENT_COLUMNS))


def _unnest_insert(table: Any, columns: Sequence[str]) -> Any:
    """PostgreSQL's INSERT … SELECT FROM unnest(array per column): one short statement for
    any number of rows. psycopg re-parses a long multi-row VALUES statement on every call, and
    executemany sends a statement per row; either cost more than the insert itself."""
    # A foreign key's type is only known once the table it points to is loaded: all are ids.
    sql_types = {
        name: "INTEGER"
        if table.c[name].foreign_keys
        else table.c[name].type.compile(postgresql.dialect())
        for name in columns
    }
    # Binary placeholders (%(name)b): psycopg escapes every element of a text-format array.
    arrays = ", ".join(f"%({name})b::{sql_types[name]}[]" for name in columns)
    given = select(text("*")).select_from(text(f"unnest({arrays}) AS given"))
    return postgresql.insert(table).from_select(list(columns), given)


def _driver_sql(stmt: Any) -> str:
    # The placeholders went through the compiler as text, which escaped their "%".
    return str(stmt.compile(dialect=postgresql.dialect())).replace("%%", "%")


def _execute_arrays(bind: Any, sql: str, rows: Sequence[dict[str, Any]]) -> Any:
    """Run an unnest statement with `rows` turned into one array per column."""
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    for name in _JSON & columns.keys():
        columns[name] = [Jsonb(value, dumps=json_text) for value in columns[name]]
    return bind.exec_driver_sql(sql, columns)
