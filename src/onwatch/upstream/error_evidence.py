"""The evidence bundle of an error issue (seed 000's escalation from Sentry-style errors): its
events in a window as failures for the pure builder, each with its stored client IP, the full
payload where a sample of the event is kept, and the sample's URL. The same failures feed the
bundle of an incident that error issues are linked to (an urgent triage opened it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.directory.models import Service
from onwatch.errors import queries as errors
from onwatch.errors.models import ErrorEvent, ErrorIssue, ErrorSample
from onwatch.upstream import evidence
from onwatch.upstream.evidence import MAX_WINDOW, Failure


@dataclass(frozen=True)
class Failures:
    failures: list[Failure]
    unread: int  # events in the window counted but not read
    notes: list[str]


# Events read for one bundle at most (newest first); the total still counts every event.
MAX_FAILURES = 5000


def issue_failures(
    session: Session, issue: ErrorIssue, since: datetime, until: datetime
) -> list[Failure]:
    """The issue's events from `since` to `until`, newest first."""
    events = session.scalars(
        select(ErrorEvent)
        .where(
            ErrorEvent.issue_id == issue.id,
            ErrorEvent.received_at >= since,
            ErrorEvent.received_at <= until,
        )
        .order_by(ErrorEvent.received_at.desc(), ErrorEvent.id.desc())
        .limit(MAX_FAILURES)
    )
    kept: dict[str, ErrorSample] = {s.event_id: s for s in errors.samples(session, issue.id)}
    found = []
    for event in events:
        sample = kept.get(event.event_id)
        payload = dict(sample.payload) if sample else {"event_id": event.event_id}
        if sample and sample.url and not evidence.url_of(payload):
            payload["url"] = sample.url
        found.append(
            Failure(
                at=event.received_at,
                payload=payload,
                summary=issue.title,
                origin=f"error event {event.event_id}",
                client_ip=event.ip,
            )
        )
    return found


@dataclass(frozen=True)
class Read:
    failures: list[Failure]
    total: int  # every event in the window, read or only counted


def read_issue(session: Session, issue: ErrorIssue, since: datetime, until: datetime) -> Read:
    """The issue's failures from `since` to `until`, up to MAX_FAILURES, and all its events
    there counted."""
    failures = issue_failures(session, issue, since, until)
    total = len(failures)
    if total == MAX_FAILURES:  # the rest are counted, not read: [since, until) plus those at until
        total = errors.events_between(session, issue.id, since, until) + sum(
            1 for f in failures if f.at == until
        )
    return Read(failures, total)


def linked_issues(session: Session, incident_id: int) -> list[ErrorIssue]:
    """The error issues whose urgent triage opened (or that were linked to) the incident."""
    return list(
        session.scalars(
            select(ErrorIssue).where(ErrorIssue.incident_id == incident_id).order_by(ErrorIssue.id)
        )
    )


def incident_failures(
    session: Session, incident_id: int, since: datetime, until: datetime
) -> Failures:
    """The events of the incident's linked error issues from `since` to `until`: the failures
    read (newest MAX_FAILURES per issue), how many more were only counted, and a note if any."""
    found: list[Failure] = []
    unread = 0
    for issue in linked_issues(session, incident_id):
        read = read_issue(session, issue, since, until)
        found += read.failures
        unread += read.total - len(read.failures)
    notes = []
    if unread:
        notes.append(
            f"Samples and client IPs leave out {unread} older error event(s); the total "
            "counts them."
        )
    return Failures(sorted(found, key=lambda f: f.at), unread, notes)


def issue_evidence(
    session: Session,
    issue_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    samples: int = evidence.DEFAULT_SAMPLES,
    now: datetime,
) -> evidence.Bundle:
    """The bundle of the issue's events in the window: by default from its first event (at
    most MAX_WINDOW back) to now. Nothing is written."""
    issue = errors.issue(session, issue_id)
    end = until or now
    start = since or max(issue.first_seen_at, end - MAX_WINDOW)
    service = session.get(Service, issue.service_id)
    read = read_issue(session, issue, start, end)
    failures, total = read.failures, read.total
    notes = []
    if total > len(failures):
        notes.append(f"Samples and client IPs are from the latest {len(failures)} of {total}.")
    subject = evidence.Subject(
        incident_id=issue.id, title=issue.title, service=service.name if service else "",
        kind="error_issue",
    )  # fmt: skip
    found = evidence.bundle(
        subject, failures, since=start, until=end, now=now, samples=samples, notes=notes
    )
    return replace(found, total_events=total)
