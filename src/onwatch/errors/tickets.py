"""Error issues as ticket subjects (seed 003's "make a ticket, label it prod-alert"). An engine
step: each new error issue of a service whose team has a tracker opens one ticket there, with the
tracker's labels; later events add a comment linking the latest occurrence, at most one comment
per `comment_every` (repeats in between are told together), none while the issue is silenced or
resolved. A step, as incidents' tickets are, because the link needs onwatch's address; it writes
outbox rows and its cursor (`Ticket.told_through`: the event count told) in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from onwatch.core.errors import Conflict
from onwatch.directory.models import Service, Team
from onwatch.errors import queries
from onwatch.errors.models import ErrorIssue
from onwatch.errors.paths import issue_path
from onwatch.tickets import actions
from onwatch.tickets.models import Ticket, TicketTracker

SUBJECT = "error_issue"
ACTOR = "system:error-tickets"
DEFAULT_COMMENT_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class ErrorTickets:
    base_url: str
    comment_every: timedelta = DEFAULT_COMMENT_EVERY

    def __call__(self, session: Session, now: datetime) -> int:
        return self.open_due(session, now) + self.comment_due(session, now)

    def issue_url(self, issue_id: int) -> str:
        return self.base_url.rstrip("/") + issue_path(issue_id)

    def open_due(self, session: Session, now: datetime) -> int:
        """A ticket for each unresolved or silenced issue with none in its team's tracker;
        issues triaged noise are left out (nobody is to hear of them)."""
        has_ticket = exists().where(
            Ticket.tracker_id == TicketTracker.id,
            Ticket.subject_kind == SUBJECT,
            Ticket.subject_id == ErrorIssue.id,
        )
        rows = session.execute(
            select(ErrorIssue, TicketTracker, Service, Team.name)
            .join(Service, Service.id == ErrorIssue.service_id)
            .join(TicketTracker, TicketTracker.team_id == Service.team_id)
            .join(Team, Team.id == Service.team_id)
            .where(
                ErrorIssue.status != "resolved",
                or_(ErrorIssue.impact.is_(None), ErrorIssue.impact != "noise"),
                ~has_ticket,
            )
            .order_by(ErrorIssue.id)
        ).all()
        opened = 0
        for issue, tracker, service, team in rows:
            try:
                self._open(session, tracker, issue, service, team, now)
            except Conflict:  # another engine opened it since this one looked
                continue
            opened += 1
        return opened

    def open_now(self, session: Session, issue_id: int, *, actor: str, now: datetime) -> Ticket:
        """The issue's ticket in its team's tracker, opened now if it has none (a responder's
        "ticket it": whatever its status or impact); the existing one if it has. Conflict when
        the service's team has no tracker."""
        issue = queries.issue(session, issue_id, lock=True)
        service = session.get_one(Service, issue.service_id)
        found = session.execute(
            select(TicketTracker, Team.name)
            .join(Team, Team.id == TicketTracker.team_id)
            .where(TicketTracker.team_id == service.team_id)
        ).first()
        if found is None:
            raise Conflict(f"the team of {service.name} has no ticket tracker (ticket_trackers:)")
        tracker, team = found
        ticket = actions.ticket_of(session, tracker.id, SUBJECT, issue.id)
        if ticket is not None:
            return ticket
        return self._open(session, tracker, issue, service, team, now, actor)

    def comment_due(self, session: Session, now: datetime) -> int:
        """A comment on each open ticket whose issue had events since the last told, when the
        last comment is older than `comment_every`."""
        rows = session.execute(
            select(Ticket, TicketTracker, ErrorIssue)
            .join(TicketTracker, TicketTracker.id == Ticket.tracker_id)
            .join(ErrorIssue, ErrorIssue.id == Ticket.subject_id)
            .where(
                Ticket.subject_kind == SUBJECT,
                Ticket.state == "open",
                ErrorIssue.status == "unresolved",
                ErrorIssue.event_count > Ticket.told_through,
                or_(
                    Ticket.commented_at.is_(None),
                    Ticket.commented_at <= now - self.comment_every,
                ),
            )
            .order_by(Ticket.id)
        ).all()
        written = 0
        for ticket, tracker, issue in rows:
            samples = queries.samples(session, issue.id)
            link = self.issue_url(issue.id)
            if samples:
                link += f"#event-{samples[0].event_id}"
            more = issue.event_count - ticket.told_through
            text = (
                f"{more} more event(s) since onwatch last wrote here: {issue.event_count} in "
                f"all, {issue.user_count} user(s), last seen "
                f"{issue.last_seen_at:%Y-%m-%d %H:%M} UTC.\n\nLatest occurrence: {link}"
            )
            written += actions.comment(
                session, ticket, tracker, about=f"events:{issue.event_count}", text=text, now=now
            )
            ticket.told_through, ticket.commented_at = issue.event_count, now
        return written

    def _open(
        self, session: Session, tracker: TicketTracker, issue: ErrorIssue, service: Service,
        team: str, now: datetime, actor: str = ACTOR,
    ) -> Ticket:  # fmt: skip
        body = "\n".join(
            [
                f"onwatch error issue {issue.id}: {issue.title}",
                "",
                f"- Service: {service.name}",
                f"- Team: {team}",
                f"- Culprit: {issue.culprit or '—'}",
                f"- Level: {issue.level}",
                f"- Events: {issue.event_count}; users: {issue.user_count}",
                f"- First seen: {issue.first_seen_at:%Y-%m-%d %H:%M} UTC",
                f"- Releases: {', '.join(issue.releases) or '—'}",
                "",
                f"Error issue: {self.issue_url(issue.id)}",
                "",
                "onwatch comments here when the error happens again.",
            ]
        )
        return actions.open_issue(
            session, tracker, subject_kind=SUBJECT, subject_id=issue.id,
            title=f"[{service.name}] {issue.title}", body=body, labels=list(tracker.labels),
            actor=actor, now=now, told_through=issue.event_count,
        )  # fmt: skip
