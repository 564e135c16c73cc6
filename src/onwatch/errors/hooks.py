"""What happens beside storing when an issue opens or regresses: the seams where routing, triage,
tickets and notifications plug in (issue 13, items 4 to 7). Called in intake's transaction, so
whatever they do is a row written there (an outbox row, a ticket job), never a network call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.directory.models import Person, Service
from onwatch.errors import queries, rules, triage
from onwatch.errors.grouping import innermost_exception
from onwatch.errors.models import ErrorIssue
from onwatch.errors.paths import issue_path
from onwatch.incidents import notices
from onwatch.notifications.outbox import write


def issue_opened(session: Session, issue_id: int, now: datetime) -> None:
    """A new issue's first event was stored: the service's `error_rules` may pre-set its
    impact, which acts as a person's triage would (an urgent one opens the incident). Its
    prod-alert ticket is opened by the engine's error_tickets step (errors/tickets.py), which
    knows onwatch's address for the issue's link."""
    issue = session.get_one(ErrorIssue, issue_id)
    found = rules.rules_of(session, issue.service_id)
    if not found:
        return
    samples = queries.samples(session, issue_id)
    exception = innermost_exception(samples[0].payload) if samples else None
    seen = rules.Seen(
        title=issue.title,
        exception=str(exception.get("type")) if exception and exception.get("type") else None,
        tags=issue.tags,
    )
    impact = rules.impact_for(found, seen)
    if impact is not None:
        service = session.get_one(Service, issue.service_id)
        triage.triage(session, issue_id, impact, actor=f"rule:{service.name}", now=now)


def issue_regressed(session: Session, issue_id: int, event_id: str, now: datetime) -> None:
    """A resolved issue got an event of a later release and is unresolved (regressed) again:
    the service's tech lead is told at once (a low-urgency notice, an outbox row in intake's
    transaction, keyed by the issue and the event, so a retried envelope tells nobody twice).
    A service with no tech lead has nobody to tell; a watched deploy's deployer hears of it
    from the deploy watch (deploys/)."""
    issue = session.get_one(ErrorIssue, issue_id)
    service = session.get_one(Service, issue.service_id)
    lead = notices.tech_lead(session, service)
    if lead is None:
        return
    release = f" in release {issue.last_release}" if issue.last_release else ""
    words = notices.Words(
        title=f"Error regressed: {issue.title}"[:300],
        text=f"Error issue #{issue.id} of {service.name} ({issue.title}) was resolved and "
        f"happened again{release}. See {issue_path(issue.id)}.",
    )
    person = session.get_one(Person, lead.id)
    rows = notices.to_person(
        person, incident_id=None, kind="notice", urgency="low",
        key=f"errors-regressed:{issue.id}:{event_id}", words=words, now=now,
    )  # fmt: skip
    write(session, rows, now)
