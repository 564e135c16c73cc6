"""Reading what upstream outages need: which upstream service an incident is about, the services
it may be marked against, who is told, the failures an evidence bundle is built from, and the
windows and bundles kept for an incident. Takes a session, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.alerts.models import Alert, AlertEventRecord, MaintenanceWindow
from onwatch.alerts.queries import event_repeats
from onwatch.directory.models import Person, Service, ServiceDependency, Team
from onwatch.incidents.models import Incident
from onwatch.upstream.evidence import Failure
from onwatch.upstream.models import EvidenceBundle, UpstreamOutage, UpstreamWindow

MAX_EVENTS_READ = 50_000
FAILURE_ACTIONS = ("trigger",)


def upstream_service(session: Session, incident: Incident) -> Service | None:
    """The upstream service of the incident: the one it was marked against, else its own
    service when we do not control that one; None when it is not an upstream outage."""
    marked = session.get(UpstreamOutage, incident.id)
    if marked is not None:
        return session.get(Service, marked.service_id)
    own = session.get(Service, incident.service_id)
    return own if own is not None and not own.controlled else None


def _needs(session: Session) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for service_id, depends_on_id in session.execute(
        select(ServiceDependency.service_id, ServiceDependency.depends_on_id).order_by(
            ServiceDependency.service_id, ServiceDependency.position
        )
    ):
        found.setdefault(service_id, []).append(depends_on_id)
    return found


def _reach(start: int, edges: dict[int, list[int]]) -> list[int]:
    """Every service reached from `start` along `edges`, nearest first (cycles tolerated)."""
    found: list[int] = []
    todo = list(edges.get(start, []))
    while todo:
        current = todo.pop(0)
        if current == start or current in found:
            continue
        found.append(current)
        todo += edges.get(current, [])
    return found


def upstream_choices(session: Session, service_id: int) -> list[Service]:
    """The services an incident of `service_id` may be marked against: the ones it depends on,
    directly or not, that we do not control (its own too, when we do not control it)."""
    ids = [service_id, *_reach(service_id, _needs(session))]
    services = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(ids)))}
    return [services[i] for i in ids if i in services and not services[i].controlled]


def dependent_teams(session: Session, service: Service) -> list[Team]:
    """ "Our" teams for an incident of `service`: its team when we control it, else the teams of
    the services we control that depend on it (directly or not), in name order."""
    if service.controlled:
        team = session.get(Team, service.team_id) if service.team_id else None
        return [team] if team is not None else []
    needed_by: dict[int, list[int]] = {}
    for needer, needed in _needs(session).items():
        for one in needed:
            needed_by.setdefault(one, []).append(needer)
    ids = _reach(service.id, needed_by)
    team_ids = set(
        session.scalars(
            select(Service.team_id).where(
                Service.id.in_(ids), Service.controlled.is_(True), Service.team_id.is_not(None)
            )
        )
    )
    return list(session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name)))


def role_holder(team: Team, role: str) -> int | None:
    return next((r.person_id for r in team.roles if r.role == role), None)


def upstream_owner(session: Session, service: Service, role: str) -> Person | None:
    """Who answers for an upstream service: its team's `role` holder, else the service's tech
    lead, else its team's tech lead."""
    team = session.get(Team, service.team_id) if service.team_id else None
    person_id = role_holder(team, role) if team is not None else None
    person_id = person_id or service.tech_lead_id or (team.tech_lead_id if team else None)
    return session.get(Person, person_id) if person_id else None


def product_owners(session: Session, incident: Incident, role: str) -> list[Person]:
    """The `role` holders of our teams for the incident (dependent_teams), each once."""
    service = session.get(Service, incident.service_id)
    if service is None:
        return []
    found: list[Person] = []
    for team in dependent_teams(session, service):
        person_id = role_holder(team, role)
        person = session.get(Person, person_id) if person_id else None
        if person is not None and person not in found:
            found.append(person)
    return found


@dataclass(frozen=True)
class Failures:
    failures: list[Failure]
    notes: list[str]


def failures(session: Session, incident_id: int, since: datetime, until: datetime) -> Failures:
    """The failures the incident's alerts reported from `since` to `until` (included): each
    kept trigger event with how many times it happened in a row (a repeat with the same body
    keeps no row of its own). Ingest keeps the newest events of each alert only: a note says
    when older ones fall in the window."""
    alerts = {
        a.id: a for a in session.scalars(select(Alert).where(Alert.incident_id == incident_id))
    }
    rows = list(
        session.scalars(
            select(AlertEventRecord)
            .join(Alert, Alert.id == AlertEventRecord.alert_id)
            .where(Alert.incident_id == incident_id, AlertEventRecord.received_at <= until)
            .order_by(AlertEventRecord.alert_id, AlertEventRecord.id.desc())
            .limit(MAX_EVENTS_READ + 1)
        )
    )
    notes: list[str] = []
    if len(rows) > MAX_EVENTS_READ:
        rows = rows[:MAX_EVENTS_READ]
        notes.append(f"Only the first {MAX_EVENTS_READ} kept events were read.")
    by_alert: dict[int, list[AlertEventRecord]] = {}
    for row in rows:
        by_alert.setdefault(row.alert_id, []).append(row)
    found: list[Failure] = []
    trimmed = 0
    for alert_id, events in by_alert.items():
        alert = alerts[alert_id]
        times = _times(alert, events, session)
        oldest = events[-1]
        if oldest.seq > 1 and oldest.received_at >= since:
            trimmed += 1
        for event, count in zip(events, times, strict=True):
            if event.action in FAILURE_ACTIONS and since <= event.received_at <= until:
                found.append(
                    Failure(
                        at=event.received_at,
                        payload=event.payload or {},
                        summary=event.summary or alert.summary,
                        origin=f"alert {alert.id} ({alert.dedup_key})",
                        times=count,
                    )
                )
    if trimmed:
        notes.append(
            f"{trimmed} alert(s) had older events than onwatch keeps (the newest 100 per "
            "alert): the total counts the kept events and their repeats."
        )
    return Failures(sorted(found, key=lambda f: f.at), notes)


def _times(alert: Alert, events: Sequence[AlertEventRecord], session: Session) -> list[int]:
    """Repeats of each kept event; a later event beyond `until` bounds the newest one read."""
    newer = session.scalar(
        select(func.min(AlertEventRecord.seq)).where(
            AlertEventRecord.alert_id == alert.id, AlertEventRecord.id > events[0].id
        )
    )
    return event_repeats(events, (newer - 1) if newer is not None else alert.event_count)


def windows_of(session: Session, incident_id: int) -> list[tuple[MaintenanceWindow, str]]:
    """Maintenance windows opened from the incident, newest first, with their service."""
    return [
        (window, name)
        for window, name in session.execute(
            select(MaintenanceWindow, Service.name)
            .join(UpstreamWindow, UpstreamWindow.window_id == MaintenanceWindow.id)
            .join(Service, Service.id == MaintenanceWindow.service_id)
            .where(UpstreamWindow.incident_id == incident_id)
            .order_by(MaintenanceWindow.id.desc())
        )
    ]


def bundles_of(session: Session, incident_id: int) -> list[EvidenceBundle]:
    return list(
        session.scalars(
            select(EvidenceBundle)
            .where(EvidenceBundle.incident_id == incident_id)
            .order_by(EvidenceBundle.id.desc())
            .limit(50)
        )
    )


def get_bundle(session: Session, incident_id: int, bundle_id: int) -> EvidenceBundle | None:
    found = session.get(EvidenceBundle, bundle_id)
    return found if found is not None and found.incident_id == incident_id else None


def earliest_alert(session: Session, incident_id: int) -> datetime | None:
    return session.scalar(
        select(func.min(Alert.first_seen_at)).where(Alert.incident_id == incident_id)
    )
