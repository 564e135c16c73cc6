"""Incidents as ticket subjects. An engine step follows incidents from their timeline: an open
incident of a team with a tracker (of a severity the tracker opens for) gets an issue, labelled
with the tracker's labels and its severity's priority label; once the issue has its number,
each later change on the timeline (acknowledged, resolved, severity…) becomes a comment on it.

Why a step and not a call from the lifecycle: incidents sit below tickets in the layer order, and
every change already lands on the timeline in the transaction that makes it. The step reads
committed entries and writes the outbox rows and its cursor (`Ticket.told_through`) in one
transaction, ahead of delivery in the same tick, so nothing is lost or told twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from onwatch.core.errors import Conflict
from onwatch.directory.models import Service, Team
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import DONE_STATUSES, Incident, TimelineEntry
from onwatch.notifications.links import incident_url
from onwatch.tickets import actions
from onwatch.tickets.models import Ticket, TicketTracker

SUBJECT = "incident"
ACTOR = "system:tickets"
# The timeline entries that are changes worth a comment; notes, pages and deliveries are not.
COMMENTED = frozenset(
    {"acknowledged", "mitigated", "resolved", "closed", "reopened", "severity", "priority",
     "title", "merged", "upstream", "security"}
)  # fmt: skip


def tracker_of(session: Session, incident: Incident) -> TicketTracker | None:
    """The tracker of the team that owns the incident's service."""
    return session.scalar(
        select(TicketTracker)
        .join(Service, Service.team_id == TicketTracker.team_id)
        .where(Service.id == incident.service_id)
    )


def labels_for(tracker: TicketTracker, severity: str) -> list[str]:
    """The tracker's labels and the severity's priority label (`sev1: P1`), in that order."""
    priority = tracker.priority_labels.get(severity)
    return [*tracker.labels, *([priority] if priority else [])]


@dataclass(frozen=True)
class IncidentTickets:
    """The step, and opening a ticket by hand. `base_url` is onwatch's, for the incident's link
    in the issue."""

    base_url: str

    def __call__(self, session: Session, now: datetime) -> int:
        return self.open_due(session, now) + self.comment_due(session, now)

    def open(self, session: Session, incident_id: int, *, actor: str, now: datetime) -> Ticket:
        """A ticket for the incident in its team's tracker (by hand: whatever its severity or
        age). NotFound for an unknown incident; Conflict when its team has no tracker or the
        incident has a ticket already."""
        incident = incidents.get(session, incident_id)
        tracker = tracker_of(session, incident)
        if tracker is None:
            raise Conflict("the incident's team has no ticket tracker (config ticket_trackers)")
        return self._open(session, tracker, incident, actor=actor, now=now)

    def open_due(self, session: Session, now: datetime) -> int:
        """Open a ticket for each incident that should have one and has none."""
        opened = 0
        for tracker in session.scalars(select(TicketTracker).order_by(TicketTracker.id)):
            has_ticket = exists().where(
                Ticket.tracker_id == tracker.id,
                Ticket.subject_kind == SUBJECT,
                Ticket.subject_id == Incident.id,
            )
            stmt = (
                select(Incident)
                .join(Service, Service.id == Incident.service_id)
                .where(
                    Service.team_id == tracker.team_id,
                    Incident.status.not_in(DONE_STATUSES),
                    Incident.duplicate_of_id.is_(None),
                    ~has_ticket,
                )
                .order_by(Incident.id)
            )
            if tracker.open_for:
                stmt = stmt.where(Incident.severity.in_(tracker.open_for))
            for incident in session.scalars(stmt):
                try:
                    self._open(session, tracker, incident, actor=ACTOR, now=now)
                except Conflict:  # another engine opened it since this one looked
                    continue
                opened += 1
        return opened

    def comment_due(self, session: Session, now: datetime) -> int:
        """A comment for each change since the last one told, on issues that have a number
        (an issue still opening waits: its changes are commented once it exists)."""
        rows = session.execute(
            select(Ticket, TicketTracker, TimelineEntry)
            .join(TicketTracker, TicketTracker.id == Ticket.tracker_id)
            .join(TimelineEntry, TimelineEntry.incident_id == Ticket.subject_id)
            .where(
                Ticket.subject_kind == SUBJECT,
                Ticket.state == "open",
                TimelineEntry.id > Ticket.told_through,
            )
            .order_by(Ticket.id, TimelineEntry.id)
        ).all()
        written = 0
        for ticket, tracker, entry in rows:
            if entry.kind in COMMENTED:
                text = f"{entry.text} ({entry.actor}, {entry.at:%Y-%m-%d %H:%M} UTC)"
                link = incident_url(self.base_url, ticket.subject_id)
                written += actions.comment(
                    session, ticket, tracker, about=f"entry:{entry.id}",
                    text=f"{text}\n\n{link}", now=now,
                )  # fmt: skip
            ticket.told_through = max(ticket.told_through, entry.id)
        return written

    def _open(
        self, session: Session, tracker: TicketTracker, incident: Incident, *, actor: str,
        now: datetime,
    ) -> Ticket:  # fmt: skip
        service = session.get(Service, incident.service_id)
        team = session.get(Team, tracker.team_id)
        last = session.scalar(
            select(func.max(TimelineEntry.id)).where(TimelineEntry.incident_id == incident.id)
        )
        name = service.name if service else "?"
        body = "\n".join(
            [
                f"onwatch incident {incident.id}: {incident.title}",
                "",
                f"- Service: {name}",
                f"- Team: {team.name if team else '?'}",
                f"- Severity: {incident.severity}",
                f"- Status: {incident.status}",
                f"- Opened: {incident.opened_at:%Y-%m-%d %H:%M} UTC",
                "",
                f"Incident: {incident_url(self.base_url, incident.id)}",
                "",
                "onwatch comments here when the incident changes.",
            ]
        )
        return actions.open_issue(
            session, tracker, subject_kind=SUBJECT, subject_id=incident.id,
            title=f"[{incident.severity}] {name}: {incident.title}", body=body,
            labels=labels_for(tracker, incident.severity), actor=actor, now=now,
            told_through=last or 0,
        )  # fmt: skip
