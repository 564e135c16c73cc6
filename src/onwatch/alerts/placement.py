"""Which incident a new alert goes into: the open incident of its group, or a new one it opens
(grouping per service: alerts.grouping), with the timeline entries that say so. In the caller's
transaction; the database's unique index on open group slots settles races."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.alerts.grouping import Grouping, GroupingSpec, grouping_for, should_join
from onwatch.alerts.models import ALERT
from onwatch.alerts.rows import update_alerts
from onwatch.directory.models import Service
from onwatch.incidents import actions as incidents
from onwatch.incidents import severity as severities
from onwatch.incidents.actions import Joining
from onwatch.incidents.models import OPEN_STATUSES, Incident


@dataclass(frozen=True)
class NewAlert:
    """An alert that has just opened and is not held: it goes into an incident."""

    alert_id: int
    labels: dict[str, str]
    summary: str
    severity: str


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
    [placed] = place_in_incidents(
        session,
        service_id,
        [NewAlert(alert_id, labels, summary, severity)],
        now=now,
        actor=actor,
        policy=policy,
    )
    return placed


def place_in_incidents(
    session: Session,
    service_id: int,
    alerts: Sequence[NewAlert],
    *,
    now: datetime,
    actor: str,
    policy: tuple[GroupingSpec, bool],
) -> list[tuple[Incident, bool]]:
    """Put new alerts of one service into incidents, as if one by one: the first alert of a
    group with no open incident opens it, the others join it. Per alert, its incident and True
    for the alert that opened it. The alerts of a group share one lookup and one update."""
    spec, auto_resolve = policy
    placed: dict[int, tuple[Incident, bool]] = {}
    groups: dict[Grouping, list[int]] = {}
    for index, alert in enumerate(alerts):
        groups.setdefault(grouping_for(alert.labels, spec), []).append(index)
    postgres = session.get_bind().dialect.name == "postgresql"
    opening = {"now": now, "actor": actor, "auto_resolve": auto_resolve}
    for grouping, indexes in groups.items():
        # Without a window the whole group joins one incident; with one, alert by alert,
        # since an alert may open the incident the next ones join.
        batches = [indexes] if grouping.window is None else [[index] for index in indexes]
        for batch in batches:
            first = alerts[batch[0]]
            if grouping.window is None:
                incident, opened = _open_slot(
                    session, service_id, grouping.key, first, postgres, **opening
                )
            else:
                incident, opened = _open_window(
                    session, service_id, grouping, first, postgres, **opening
                )
            update_alerts(
                session,
                ALERT.c.id.in_([alerts[index].alert_id for index in batch]),
                incident_id=incident.id,
            )
            joining = [
                Joining(alerts[i].alert_id, alerts[i].summary, alerts[i].severity) for i in batch
            ]
            incidents.alerts_joined(session, incident, joining, actor=actor, now=now)
            for position, index in enumerate(batch):
                placed[index] = (incident, opened and position == 0)
    return [placed[index] for index in range(len(alerts))]


def _open_slot(
    session: Session,
    service_id: int,
    slot: str,
    first: NewAlert,
    postgres: bool,
    *,
    now: datetime,
    actor: str,
    auto_resolve: bool,
) -> tuple[Incident, bool]:
    """The open incident of a group without a window, or a new one opened by `first`."""
    incident = _open_in_group_locked(session, service_id, slot, postgres)
    if incident is not None:
        return incident, False
    try:
        with session.begin_nested():
            return _open(session, service_id, slot, slot, first, now, actor, auto_resolve), True
    except IntegrityError:
        # Another request opened this group's incident between our look and our insert.
        incident = _open_in_group_locked(session, service_id, slot, postgres)
        assert incident is not None
        return incident, False


def _open_window(
    session: Session,
    service_id: int,
    grouping: Grouping,
    first: NewAlert,
    postgres: bool,
    *,
    now: datetime,
    actor: str,
    auto_resolve: bool,
) -> tuple[Incident, bool]:
    """The newest open incident of the group if it opened within the window, else a new one."""
    if postgres:  # time windows have no unique slot: serialise on the service row instead
        session.execute(select(Service.id).where(Service.id == service_id).with_for_update())
    incident = incidents.newest_open_with_key(session, service_id, grouping.key)
    if incident is not None and should_join(incident.opened_at, grouping, now):
        return incident, False
    return _open(session, service_id, grouping.key, None, first, now, actor, auto_resolve), True


def _open(
    session: Session,
    service_id: int,
    key: str,
    slot: str | None,
    first: NewAlert,
    now: datetime,
    actor: str,
    auto_resolve: bool,
) -> Incident:
    return incidents.open_incident(
        session,
        service_id=service_id,
        title=first.summary,
        severity=severities.from_alert(first.severity),
        now=now,
        actor=actor,
        group_key=key,
        group_slot=slot,
        auto_resolve=auto_resolve,
    )


def _open_in_group_locked(
    session: Session, service_id: int, slot: str, postgres: bool
) -> Incident | None:
    stmt = select(Incident).where(
        Incident.service_id == service_id,
        Incident.group_slot == slot,
        Incident.status.in_(OPEN_STATUSES),
    )
    if postgres:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)
