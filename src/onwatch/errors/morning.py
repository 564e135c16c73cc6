"""The morning review as an engine step: when a team's business day opens, its tech lead gets one
e-mail (an outbox row keyed by team and date) listing the team's new and regressed error issues
since close of business, if there are any. A team's calendar is the one its services name (the
first by name)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onwatch.calendars import queries as calendars
from onwatch.calendars.hours import Calendar
from onwatch.directory.models import Person, Service, Team
from onwatch.errors.models import ErrorEvent, ErrorIssue
from onwatch.errors.review import Morning, Reviewed, morning_of, text_of
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, write


def team_calendars(session: Session) -> dict[int, str]:
    """Team id → the calendar its services name, the first by name."""
    rows = session.execute(
        select(Service.team_id, func.min(Service.calendar))
        .where(Service.team_id.is_not(None), Service.calendar.is_not(None))
        .group_by(Service.team_id)
    )
    return {team_id: name for team_id, name in rows}


def reviewed(session: Session, service_ids: Collection[int], since: datetime) -> list[Reviewed]:
    """The services' issues first seen, or regressed, at or after `since`, with their events
    since then; new first, then by most events."""
    issues = session.execute(
        select(ErrorIssue, Service.name)
        .join(Service, Service.id == ErrorIssue.service_id)
        .where(
            ErrorIssue.service_id.in_(service_ids),
            or_(
                ErrorIssue.first_seen_at >= since,
                (ErrorIssue.substatus == "regressed") & (ErrorIssue.substatus_at >= since),
            ),
        )
    ).all()
    ids = [issue.id for issue, _ in issues]
    counts = dict(
        session.execute(
            select(ErrorEvent.issue_id, func.count())
            .where(ErrorEvent.issue_id.in_(ids), ErrorEvent.received_at >= since)
            .group_by(ErrorEvent.issue_id)
        ).all()
    ) if ids else {}  # fmt: skip
    found = [
        Reviewed(
            issue.id,
            service,
            issue.title,
            "new" if issue.first_seen_at >= since else "regressed",
            counts.get(issue.id, 0),
            issue.first_seen_at,
        )
        for issue, service in issues
    ]
    return sorted(found, key=lambda r: (r.why != "new", -r.events, r.issue_id))


def calendar_of(session: Session, team: Team) -> tuple[str, Calendar] | None:
    """The team's calendar, by name, if its services name one that is stored."""
    name = team_calendars(session).get(team.id)
    calendar = calendars.calendars(session, [name]).get(name) if name else None
    return (name, calendar) if name and calendar is not None else None


def team_issues(session: Session, team: Team, since: datetime) -> list[Reviewed]:
    service_ids = session.scalars(select(Service.id).where(Service.team_id == team.id)).all()
    return reviewed(session, service_ids, since)


def review_of(session: Session, team: Team, now: datetime) -> tuple[Morning, list[Reviewed]] | None:
    """The team's morning review at `now`, or None outside the first business day's opening."""
    found = calendar_of(session, team)
    morning = morning_of(found[1], now) if found is not None else None
    if morning is None:
        return None
    return morning, team_issues(session, team, morning.since)


def review_key(team: Team, morning: Morning) -> str:
    return f"errors-review:{team.name}:{morning.day}"


class MorningReviews:
    """The engine step; `base_url` makes the link to the review page."""

    def __init__(self, base_url: str = "") -> None:
        self.base_url = base_url.rstrip("/")

    def __call__(self, session: Session, now: datetime) -> int:
        sent = 0
        by_team = team_calendars(session)
        teams = session.scalars(
            select(Team).where(Team.tech_lead_id.is_not(None), Team.id.in_(by_team))
        )
        for team in teams:
            found = review_of(session, team, now)
            if found is None:
                continue
            morning, issues = found
            if not issues:  # a quiet night sends nothing: the review is worth a read each time
                continue
            key = review_key(team, morning)
            if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)):
                continue
            lead = session.get(Person, team.tech_lead_id)
            if lead is None:
                continue
            shown = team.display_name or team.name
            link = f"{self.base_url}/errors/review?team={team.name}"
            sent += write(
                session,
                [
                    Outgoing(
                        key=key,
                        kind="notice",
                        urgency="low",
                        due_at=now,
                        destination={"kind": "email", "address": lead.email},
                        label=f"Morning error review for {shown} to {lead.name}",
                        person_id=lead.id,
                        payload={
                            "title": f"Morning error review: {shown}, {len(issues)} issue"
                            f"{'' if len(issues) == 1 else 's'} since close of business",
                            "text": text_of(shown, morning, issues, link),
                        },
                    )
                ],
                now,
            )
        return sent
