"""Reading alerts, their events and a service's change events: newest first, a page at a time by
id (keyset), so a list costs the same with a million alerts stored as with ten. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onwatch.alerts.models import ALERT_TALLY, Alert, AlertEventRecord, ChangeRecord
from onwatch.core.errors import Invalid, NotFound
from onwatch.core.paging import MAX_PAGE, Page, keyset_page
from onwatch.directory.models import Service

ALERT_STATUSES = ("firing", "acknowledged", "resolved")
# A status filter may also say "open": firing or acknowledged.
OPEN = "open"


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    service: str


def statuses_for(status: str | None, known: Sequence[str]) -> tuple[str, ...]:
    """The stored statuses a filter value stands for; every status for None."""
    if status is None or status == "":
        return ()
    if status == OPEN:
        return tuple(s for s in known if s != "resolved")
    if status not in known:
        choices = ", ".join([*known, OPEN])
        raise Invalid(f"must be one of {choices} (got {status!r})", "status")
    return (status,)


def service_id(session: Session, name: str) -> int:
    found = session.scalar(select(Service.id).where(Service.name == name))
    if found is None:
        raise NotFound(f"no service {name!r}")
    return found


def list_alerts(
    session: Session,
    *,
    service: str | None = None,
    status: str | None = None,
    held: bool | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Page[AlertRow]:
    """Alerts newest first. Each filter narrows an index range (service, status, id), so a
    page is read from an index in order, and nothing is counted or sorted."""
    stmt = select(Alert, Service.name).join(Service, Service.id == Alert.service_id)
    if service:
        stmt = stmt.where(Alert.service_id == service_id(session, service))
    if held is not None:
        stmt = stmt.where(Alert.held_by.is_not(None) if held else Alert.held_by.is_(None))
    statuses = statuses_for(status, ALERT_STATUSES)
    if held or len(statuses) > 1:
        return _few(session, stmt, statuses or (None,), before, limit, held=bool(held))
    if statuses:
        stmt = stmt.where(Alert.status == statuses[0])
    if before is not None:
        # Said of the tally too: PostgreSQL carries the join's equality to the other table but
        # not this bound, and would walk the tallies above it (30 ms deep in a million alerts).
        stmt = stmt.where(ALERT_TALLY.c.alert_id < before)
    rows = keyset_page(session, stmt, Alert.id, before, limit)
    return Page([AlertRow(alert, name) for alert, name in rows.items], rows.next_before)


def _few(
    session: Session,
    stmt: Select[Any],
    statuses: tuple[str | None, ...],
    before: int | None,
    limit: int,
    *,
    held: bool,
) -> Page[AlertRow]:
    """A page of a filter that matches a few alerts among millions: "open" ones (most stored
    alerts are resolved) or held ones. Walking the id index would pass every other alert; one
    short read per status of the index that holds only them, merged, finds the page. Held
    alerts come from their partial index and are sorted here: comparing and ordering by
    `id + 0` keeps SQLite, which keeps no statistics, from walking the id index instead."""
    limit = max(1, min(limit, MAX_PAGE))
    key = Alert.id + 0 if held else Alert.id
    ids: list[int] = []
    for status in statuses:
        arm = stmt.with_only_columns(Alert.id)
        if status is not None:
            arm = arm.where(Alert.status == status)
        if before is not None:
            arm = arm.where(key < before)
        ids += session.scalars(arm.order_by(key.desc()).limit(limit + 1))
    ids = sorted(ids, reverse=True)[: limit + 1]
    more, ids = len(ids) > limit, ids[:limit]
    found = dict(
        (alert.id, AlertRow(alert, name))
        for alert, name in session.execute(stmt.where(Alert.id.in_(ids)))
    )
    return Page([found[i] for i in ids], ids[-1] if more else None)


def get_alert(session: Session, alert_id: int) -> AlertRow:
    row = session.execute(
        select(Alert, Service.name)
        .join(Service, Service.id == Alert.service_id)
        .where(Alert.id == alert_id)
    ).first()
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return AlertRow(row[0], row[1])


def alert_events(session: Session, alert_id: int, limit: int = 50) -> list[AlertEventRecord]:
    """The newest `limit` kept events of an alert, newest first; Alert.event_count is the total
    (older events beyond the kept ones are trimmed by ingest)."""
    return list(
        session.scalars(
            select(AlertEventRecord)
            .where(AlertEventRecord.alert_id == alert_id)
            .order_by(AlertEventRecord.id.desc())
            .limit(min(limit, MAX_PAGE))
        )
    )


def event_repeats(events: Sequence[AlertEventRecord], event_count: int) -> list[int]:
    """How many times each of an alert's kept `events` (newest first) happened in a row: a
    trigger repeated with the same body is counted on the event it repeats (alerts.repeats),
    up to the next monitor event or, for the newest, the alert's `event_count`."""
    times, next_seq = [], event_count + 1
    for event in events:
        if event.action == "release":  # not from the monitor; it has no repeats of its own
            times.append(1)
            continue
        times.append(max(1, next_seq - event.seq))
        next_seq = event.seq
    return times


def incident_alerts(session: Session, incident_id: int, limit: int = 100) -> list[AlertRow]:
    rows = session.execute(
        select(Alert, Service.name)
        .join(Service, Service.id == Alert.service_id)
        .where(Alert.incident_id == incident_id)
        .order_by(Alert.id.desc())
        .limit(min(limit, MAX_PAGE))
    )
    return [AlertRow(alert, name) for alert, name in rows]


def list_changes(
    session: Session, service: str, *, before: int | None = None, limit: int = 50
) -> Page[ChangeRecord]:
    """Change events of a service (deploys, config changes), newest first."""
    stmt = select(ChangeRecord).where(ChangeRecord.service_id == service_id(session, service))
    page = keyset_page(session, stmt, ChangeRecord.id, before, limit)
    return Page([row for (row,) in page.items], page.next_before)
