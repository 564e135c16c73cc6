"""Storing alert events: fold repeats into the open alert (the database's unique index is the
dedup), hold what a silence or maintenance window covers, and group the rest into incidents.
One call per intake request, in that request's transaction, so a 2xx means all of it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.grouping import GroupingSpec, grouping_for, should_join
from onwatch.alerts.holds import Holds, in_force
from onwatch.alerts.models import Alert, AlertEventRecord, AlertPolicy
from onwatch.directory.models import Service
from onwatch.incidents import actions as incidents
from onwatch.incidents import severity as severities
from onwatch.incidents.models import Incident

MAX_EVENTS_KEPT = 100
OPEN = text("status <> 'resolved'")
Result = Literal["created", "repeated", "held", "acknowledged", "resolved", "dropped"]


@dataclass(frozen=True)
class Routed:
    """An event and the service it was routed to."""

    service_id: int
    service_name: str
    event: AlertEvent


@dataclass(frozen=True)
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
    records: list[dict[str, Any]] = field(default_factory=list)
    busy_alerts: set[int] = field(default_factory=set)

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
    outcomes = []
    for routed in events:
        if routed.event.action == "trigger":
            outcome = _trigger(call, routed, integration_id)
        else:
            outcome = _acknowledge_or_resolve(call, routed)
        if outcome.alert_id is not None:
            call.records.append(_record(routed.event, outcome, now))
        outcomes.append(outcome)
    if call.records:
        session.execute(insert(AlertEventRecord), call.records)
    for alert_id in call.busy_alerts:
        _trim_events(session, alert_id)
    return outcomes


def _trigger(call: _Call, routed: Routed, integration_id: int | None) -> Outcome:
    event = routed.event
    row = _upsert(call, routed, integration_id)
    if row.count > 1:
        _note_busy(call, row.id, row.event_count)
        return Outcome(event.dedup_key, "repeated", row.id, row.incident_id)
    hold = call.holds_now().hold_for(routed.service_id, routed.service_name, event.labels)
    if hold is not None:
        call.session.execute(update(Alert).where(Alert.id == row.id).values(held_by=hold))
        return Outcome(event.dedup_key, "held", row.id)
    incident, opened = place_in_incident(
        call.session,
        alert_id=row.id,
        service_id=routed.service_id,
        labels=event.labels,
        summary=event.summary,
        severity=row.severity,
        now=call.now,
        actor=call.actor,
        policy=call.policy(routed.service_id),
    )
    return Outcome(event.dedup_key, "created", row.id, incident.id, opened)


def _upsert(call: _Call, routed: Routed, integration_id: int | None) -> Any:
    event, now = routed.event, call.now
    links = {
        "links": [vars(link) for link in event.links],
        "images": [vars(image) for image in event.images],
    }
    values = dict(
        service_id=routed.service_id,
        integration_id=integration_id,
        dedup_key=event.dedup_key,
        status="firing",
        summary=event.summary,
        severity=event.severity or "error",
        source=event.source,
        component=event.component,
        group=event.group,
        class_=event.class_,
        generator_url=event.generator_url,
        labels=dict(event.labels),
        annotations=dict(event.annotations),
        details=dict(event.details),
        links=links,
        count=1,
        event_count=1,
        first_seen_at=now,
        last_seen_at=now,
    )
    dialect_insert = postgresql.insert if call.postgres else sqlite.insert
    stmt = dialect_insert(Alert).values(**values)
    latest = (
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
    stmt = stmt.on_conflict_do_update(
        index_elements=["service_id", "dedup_key"],
        index_where=OPEN,
        set_={
            "count": Alert.count + 1,
            "event_count": Alert.event_count + 1,
            "last_seen_at": now,
            **{name: stmt.excluded[name] for name in latest},
        },
    ).returning(Alert.id, Alert.count, Alert.event_count, Alert.incident_id, Alert.severity)
    return call.session.execute(stmt).one()


def place_in_incident(
    session: Session,
    *,
    alert_id: int,
    service_id: int,
    labels: dict[str, str],
    summary: str,
    severity: str,
    now: datetime,
    actor: str,
    policy: tuple[GroupingSpec, bool],
) -> tuple[Incident, bool]:
    """Join the alert to the open incident of its group, or open one. True if opened."""
    spec, auto_resolve = policy
    grouping = grouping_for(labels, spec)
    postgres = session.get_bind().dialect.name == "postgresql"
    opened = False
    if grouping.window is None:
        incident = _open_in_group_locked(session, service_id, grouping.key, postgres)
        if incident is None:
            try:
                with session.begin_nested():
                    incident = incidents.open_incident(
                        session,
                        service_id=service_id,
                        title=summary,
                        severity=severities.from_alert(severity),
                        now=now,
                        actor=actor,
                        group_key=grouping.key,
                        group_slot=grouping.key,
                        auto_resolve=auto_resolve,
                    )
                    opened = True
            except IntegrityError:
                # Another request opened this group's incident between our look and our insert.
                incident = _open_in_group_locked(session, service_id, grouping.key, postgres)
                opened = False
        assert incident is not None
    else:
        if postgres:  # time windows have no unique slot: serialise on the service row instead
            session.execute(select(Service.id).where(Service.id == service_id).with_for_update())
        incident = incidents.newest_open_with_key(session, service_id, grouping.key)
        if incident is None or not should_join(incident.opened_at, grouping, now):
            incident = incidents.open_incident(
                session,
                service_id=service_id,
                title=summary,
                severity=severities.from_alert(severity),
                now=now,
                actor=actor,
                group_key=grouping.key,
                group_slot=None,
                auto_resolve=auto_resolve,
            )
            opened = True
    session.execute(update(Alert).where(Alert.id == alert_id).values(incident_id=incident.id))
    incidents.alert_joined(
        session,
        incident,
        alert_id=alert_id,
        summary=summary,
        alert_severity=severity,
        actor=actor,
        now=now,
    )
    return incident, opened


def _open_in_group_locked(
    session: Session, service_id: int, slot: str, postgres: bool
) -> Incident | None:
    stmt = select(Incident).where(
        Incident.service_id == service_id,
        Incident.group_slot == slot,
        Incident.status != "resolved",
    )
    if postgres:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


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
    _note_busy(call, alert.id, alert.event_count)
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
        return Outcome(event.dedup_key, "acknowledged", alert.id, alert.incident_id)
    alert.status, alert.resolved_at, alert.held_by = "resolved", now, None
    if incident is not None:
        resolve_if_all_resolved(session, incident, alert, now=now, actor=call.actor)
    return Outcome(event.dedup_key, "resolved", alert.id, alert.incident_id)


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


def _record(event: AlertEvent, outcome: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "alert_id": outcome.alert_id,
        "received_at": now,
        "action": event.action,
        "outcome": outcome.result,
        "summary": event.summary,
        "severity": event.severity,
        "payload": event.raw,
    }


def _note_busy(call: _Call, alert_id: int, event_count: int) -> None:
    # Trim in steps, not on every event, so a storm does one delete per 25 events per alert.
    if event_count > MAX_EVENTS_KEPT and event_count % 25 == 0:
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
