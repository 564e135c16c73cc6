"""Repeats that say nothing new. Alertmanager re-sends every firing alert at each group interval
and many monitors re-send a trigger until it is resolved: a trigger whose body is the same as
the one that last wrote an event of its open alert only raises the alert's counts and
`last_seen_at`, in one statement for a whole run of them, and writes no event row. The kept
event it repeats counts it (AlertEventRecord.seq); nothing about it is lost but its own time.

Everything else (a new alert, a changed body, acknowledge, resolve, a release) goes the long
way through alerts.ingest and clears or replaces `Alert.event_hash`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.rows import db_time, open_alerts
from onwatch.core.db import json_text


class Folded(NamedTuple):  # one per repeat: a tuple is the cheapest to make
    alert_id: int
    incident_id: int | None


def event_hash(event: AlertEvent) -> str:
    """A digest of everything the event says. For a parsed event, what the monitor sent (its
    part of the body, in the order sent) and the details taken from the rest of the body; an
    event made here (heartbeats, SLI rules) has no body, so what it says field by field."""
    if event.raw:
        said: Any = (event.raw, event.details)
    else:
        said = (
            event.summary,
            event.severity,
            event.source,
            event.component,
            event.group,
            event.class_,
            event.generator_url,
            event.labels,
            event.annotations,
            event.details,
            event.links,
            event.images,
        )
    return hashlib.blake2b(json_text(said).encode(), digest_size=16).hexdigest()


def fold(
    session: Session,
    keys: Sequence[tuple[int, str]],
    hashes: Sequence[str],
    now: datetime,
) -> dict[tuple[int, str], Folded]:
    """Raise the counts of the open alerts that `keys` (service id, dedup key) name, where the
    alert's event_hash equals the trigger's hash in `hashes`; the alerts so folded, by key.
    A key may appear several times (each a trigger); all its hashes must be the same."""
    wanted: dict[tuple[int, str], tuple[str, int]] = {}
    mixed: set[tuple[int, str]] = set()
    for key, digest in zip(keys, hashes, strict=True):
        seen = wanted.get(key)
        if seen is None:
            wanted[key] = (digest, 1)
        elif seen[0] != digest:
            mixed.add(key)
        else:
            wanted[key] = (digest, seen[1] + 1)
    for key in mixed:  # different bodies for one alert: the long way keeps each event
        del wanted[key]
    if not wanted:
        return {}
    bind = session.connection()
    if bind.dialect.name == "postgresql":
        return _fold_postgresql(bind, wanted, now)
    return _fold_sqlite(bind, wanted, now)


def _fold_sqlite(
    bind: Any, wanted: dict[tuple[int, str], tuple[str, int]], now: datetime
) -> dict[tuple[int, str], Folded]:
    # The intake transaction holds SQLite's write lock from its BEGIN, so nothing changes
    # between this read and the update below.
    folded: dict[tuple[int, str], Folded] = {}
    by_times: dict[int, list[int]] = {}
    # The driver's own cursor, in the session's transaction: SQLAlchemy's result wrapping
    # cost more than the query for a batch of repeats.
    cursor = bind.connection.driver_connection.cursor()
    for key, alert in open_alerts(cursor, list(wanted)).items():
        digest, times = wanted[key]
        if alert.event_hash == digest:
            folded[key] = Folded(alert.id, alert.incident_id)
            by_times.setdefault(times, []).append(alert.id)
    stamp = db_time(bind.dialect, now)
    for times, ids in by_times.items():  # one statement, not one per alert (see open_alerts)
        cursor.execute(
            "UPDATE alert_tally SET count = count + ?1, event_count = event_count + ?1, "
            "last_seen_at = ?2 WHERE alert_id IN (SELECT value FROM json_each(?3))",
            (times, stamp, json_text(ids)),
        )
    cursor.close()
    return folded


def _fold_postgresql(
    bind: Any, wanted: dict[tuple[int, str], tuple[str, int]], now: datetime
) -> dict[tuple[int, str], Folded]:
    # One statement; each tally is locked and re-checked as it is updated. Whatever resolves
    # an open alert (a monitor's resolve, a resolve by hand) clears its tally's event_hash, so
    # a trigger racing with a resolve either folds into the open alert or takes the long way.
    ordered = sorted(wanted)  # the same lock order in every transaction
    rows = bind.exec_driver_sql(
        "UPDATE alert_tally AS tally SET count = tally.count + given.times, "
        "event_count = tally.event_count + given.times, last_seen_at = %(now)s "
        "FROM alert, unnest(%(service_ids)s::integer[], %(dedup_keys)s::varchar[], "
        "%(hashes)s::varchar[], %(times)s::integer[]) "
        "AS given(service_id, dedup_key, event_hash, times) "
        "WHERE alert.service_id = given.service_id AND alert.dedup_key = given.dedup_key "
        "AND alert.status <> 'resolved' AND tally.alert_id = alert.id "
        "AND tally.event_hash = given.event_hash "
        "RETURNING alert.id, alert.service_id, alert.dedup_key, alert.incident_id",
        {
            "now": now,
            "service_ids": [service_id for service_id, _ in ordered],
            "dedup_keys": [dedup_key for _, dedup_key in ordered],
            "hashes": [wanted[key][0] for key in ordered],
            "times": [wanted[key][1] for key in ordered],
        },
    )
    return {
        (service_id, dedup_key): Folded(alert_id, incident_id)
        for alert_id, service_id, dedup_key, incident_id in rows
    }
