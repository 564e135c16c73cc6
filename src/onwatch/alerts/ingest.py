"""Storing alert events: fold repeats into the open alert (the database's unique index is the
dedup), hold what a silence or maintenance window covers, and group the rest into incidents.
In the intake transaction (one request, or several that arrived together): a 2xx means stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from onwatch.alerts import repeats, rows
from onwatch.alerts.events import AlertEvent
from onwatch.alerts.grouping import GroupingSpec
from onwatch.alerts.holds import Holds, in_force
from onwatch.alerts.models import ALERT, Alert, AlertEventRecord, AlertPolicy
from onwatch.alerts.placement import NewAlert, place_in_incidents
from onwatch.alerts.repeats import event_hash
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident

MAX_EVENTS_KEPT = 100
Result = Literal["created", "repeated", "held", "acknowledged", "resolved", "dropped"]


# Made for every event on the intake path: plain slotted dataclasses, as frozen ones cost
# several times as much to build (alerts.events.AlertEvent says the same).
@dataclass(slots=True)
class Routed:
    """An event and the service it was routed to; `digest`, a trigger's event_hash if the
    caller worked it out already (intake does, before it takes the write lock)."""

    service_id: int
    service_name: str
    event: AlertEvent
    digest: str = ""


@dataclass(slots=True)
class Outcome:
    dedup_key: str
    result: Result
    alert_id: int | None = None
    incident_id: int | None = None
    opened_incident: bool = False


@dataclass
class _Call:
    """What one ingest call reads once and reuses for every event in it."""

    session: Session
    now: datetime
    actor: str
    holds: Holds | None = None
    policies: dict[int, tuple[GroupingSpec, bool]] = field(default_factory=dict)
    busy_alerts: set[int] = field(default_factory=set)
    records: list[dict[str, Any]] = field(default_factory=list)  # alert_event rows to insert

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def holds_now(self) -> Holds:
        if self.holds is None:
            self.holds = in_force(self.session, self.now)
        return self.holds

    def policy(self, service_id: int) -> tuple[GroupingSpec, bool]:
        if service_id not in self.policies:
            row = self.session.get(AlertPolicy, service_id)
            spec = GroupingSpec.model_validate(row.grouping) if row else GroupingSpec()
            self.policies[service_id] = (spec, row.auto_resolve if row else True)
        return self.policies[service_id]


def ingest(
    session: Session,
    events: Sequence[Routed],
    *,
    integration_id: int | None,
    now: datetime,
    actor: str = "integration",
) -> list[Outcome]:
    call = _Call(session, now, actor)
    outcomes: list[Outcome] = []
    start = 0
    while start < len(events):
        # Consecutive triggers are stored together (one upsert for the run); acknowledge and
        # resolve one at a time, so a batch keeps the order its events were sent in.
        end = start
        while end < len(events) and events[end].event.action == "trigger":
            end += 1
        if end > start:
            outcomes += _triggers(call, events[start:end], integration_id)
            start = end
        else:
            outcomes.append(_acknowledge_or_resolve(call, events[start]))
            start += 1
    rows.insert_events(session, call.records)
    for alert_id in call.busy_alerts:
        _trim_events(session, alert_id)
    return outcomes


def _triggers(call: _Call, run: Sequence[Routed], integration_id: int | None) -> list[Outcome]:
    """Store a run of triggers: unchanged repeats of open alerts fold into them (alerts.repeats),
    the rest is written with one upsert. Triggers of one alert within the run fold into
    one row first (the newest one's fields, the count raised by all of them): PostgreSQL will
    not update a row twice in one statement, and the result is the same as one by one."""
    hashes = [routed.digest or event_hash(routed.event) for routed in run]
    keys = [(routed.service_id, routed.event.dedup_key) for routed in run]
    folded = repeats.fold(call.session, keys, hashes, call.now)
    groups: dict[tuple[int, str], list[int]] = {}
    for index, key in enumerate(keys):
        if key not in folded:
            groups.setdefault(key, []).append(index)
    params = [
        _upsert_params(
            run[indexes[-1]], len(indexes), integration_id, call.now, hashes[indexes[-1]]
        )
        for indexes in groups.values()
    ]
    stored = {
        (row.service_id, row.dedup_key): row for row in rows.upsert_triggers(call.session, params)
    }
    firsts: dict[int, Outcome] = {}
    new: list[int] = []
    for key, indexes in groups.items():
        row = stored[key]
        if row.count > len(indexes):  # the alert was open before this run
            _note_busy(call, row.id, row.event_count, len(indexes))
            firsts[indexes[0]] = Outcome(key[1], "repeated", row.id, row.incident_id)
            continue
        routed = run[indexes[0]]
        event = routed.event
        hold = call.holds_now().hold_for(routed.service_id, routed.service_name, event.labels)
        if hold is None:
            new.append(indexes[0])
            continue
        rows.update_alerts(call.session, ALERT.c.id == row.id, held_by=hold)
        firsts[indexes[0]] = Outcome(key[1], "held", row.id)
    firsts.update(_place_new(call, run, stored, new))
    outcomes = []
    for index, (key, routed) in enumerate(zip(keys, run, strict=True)):
        first = firsts.get(index)
        if key in folded:
            alert = folded[key]
            first = Outcome(key[1], "repeated", alert.alert_id, alert.incident_id)
        elif first is None:  # a repeat of an alert opened earlier in this run
            row = stored[key]
            first = Outcome(routed.event.dedup_key, "repeated", row.id, row.incident_id)
        outcomes.append(first)
    for key, indexes in groups.items():
        first_seq = stored[key].event_count - len(indexes) + 1
        for seq, index in enumerate(indexes, start=first_seq):
            call.records.append(_record(run[index].event, outcomes[index], seq, call.now))
    return outcomes


def _place_new(
    call: _Call, run: Sequence[Routed], rows: dict[tuple[int, str], Any], new: list[int]
) -> dict[int, Outcome]:
    """Put the run's new alerts into incidents, service by service; their outcomes."""
    by_service: dict[int, list[int]] = {}
    for index in new:
        by_service.setdefault(run[index].service_id, []).append(index)
    outcomes = {}
    for service_id, indexes in by_service.items():
        alerts = []
        for index in indexes:
            event = run[index].event
            row = rows[(service_id, event.dedup_key)]
            alerts.append(NewAlert(row.id, event.labels, event.summary, row.severity))
        placed = place_in_incidents(
            call.session,
            service_id,
            alerts,
            now=call.now,
            actor=call.actor,
            policy=call.policy(service_id),
        )
        for index, alert, (incident, opened) in zip(indexes, alerts, placed, strict=True):
            key = run[index].event.dedup_key
            outcomes[index] = Outcome(key, "created", alert.alert_id, incident.id, opened)
    return outcomes


def _upsert_params(
    routed: Routed, count: int, integration_id: int | None, now: datetime, digest: str | None
) -> dict[str, Any]:
    """The alert's row as a trigger writes it, by column name; `count` triggers at once."""
    event = routed.event
    return {
        "service_id": routed.service_id,
        "integration_id": integration_id,
        "dedup_key": event.dedup_key,
        "status": "firing",
        "summary": event.summary,
        "severity": event.severity or "error",
        "source": event.source,
        "component": event.component,
        "group_name": event.group,
        "class_name": event.class_,
        "generator_url": event.generator_url,
        "labels": dict(event.labels),
        "annotations": dict(event.annotations),
        "details": dict(event.details),
        "links": {
            "links": [vars(link) for link in event.links],
            "images": [vars(image) for image in event.images],
        },
        "first_seen_at": now,
        "count": count,
        "event_count": count,
        "last_seen_at": now,
        "event_hash": digest,
    }


def _acknowledge_or_resolve(call: _Call, routed: Routed) -> Outcome:
    event, session, now = routed.event, call.session, call.now
    stmt = select(Alert).where(
        Alert.service_id == routed.service_id,
        Alert.dedup_key == event.dedup_key,
        Alert.status != "resolved",
    )
    if call.postgres:
        stmt = stmt.with_for_update()
    alert = session.scalar(stmt)
    if alert is None:
        # PagerDuty drops acknowledge/resolve for a key with no open alert; so do we.
        return Outcome(event.dedup_key, "dropped")
    alert.event_count += 1
    alert.last_seen_at = now
    alert.event_hash = None  # the next trigger is news again, and gets its own event row
    _note_busy(call, alert.id, alert.event_count, 1)
    seq = alert.event_count
    incident = (
        incidents.get(session, alert.incident_id, for_update=True) if alert.incident_id else None
    )
    if event.action == "acknowledge":
        if alert.status == "firing":
            alert.status, alert.acknowledged_at = "acknowledged", now
        if incident is not None:
            incidents.acknowledge(
                session,
                incident,
                actor=call.actor,
                now=now,
                text=f"Acknowledged by the monitor: {alert.summary}",
            )
        outcome = Outcome(event.dedup_key, "acknowledged", alert.id, alert.incident_id)
    else:
        alert.status, alert.resolved_at, alert.held_by = "resolved", now, None
        if incident is not None:
            resolve_if_all_resolved(session, incident, alert, now=now, actor=call.actor)
        outcome = Outcome(event.dedup_key, "resolved", alert.id, alert.incident_id)
    call.records.append(_record(event, outcome, seq, now))
    return outcome


def resolve_if_all_resolved(
    session: Session, incident: Incident, alert: Alert, *, now: datetime, actor: str
) -> None:
    session.flush()
    still_open = (
        session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.incident_id == incident.id, Alert.status != "resolved")
        )
        or 0
    )
    incidents.note(
        session,
        incident,
        kind="alert",
        actor=actor,
        now=now,
        text=f"Alert resolved: {alert.summary}",
        data={"alert_id": alert.id},
    )
    if still_open == 0 and incident.auto_resolve:
        incidents.resolve(
            session,
            incident,
            actor=actor,
            now=now,
            text="Resolved: every alert of the incident resolved",
        )


def _record(event: AlertEvent, outcome: Outcome, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "alert_id": outcome.alert_id,
        "seq": seq,
        "received_at": now,
        "action": event.action,
        "outcome": outcome.result,
        "summary": event.summary,
        "severity": event.severity,
        "payload": event.raw,
    }


def _note_busy(call: _Call, alert_id: int, event_count: int, added: int) -> None:
    # Trim in steps, not on every event, so a storm does one delete per 25 events per alert;
    # a step is crossing a multiple of 25, as a batch may add several events at once.
    if event_count > MAX_EVENTS_KEPT and event_count // 25 != (event_count - added) // 25:
        call.busy_alerts.add(alert_id)


def _trim_events(session: Session, alert_id: int) -> None:
    keep_from = session.scalar(
        select(AlertEventRecord.id)
        .where(AlertEventRecord.alert_id == alert_id)
        .order_by(AlertEventRecord.id.desc())
        .offset(MAX_EVENTS_KEPT - 1)
        .limit(1)
    )
    if keep_from is not None:
        session.execute(
            delete(AlertEventRecord).where(
                AlertEventRecord.alert_id == alert_id, AlertEventRecord.id < keep_from
            )
        )
