"""A team's issue tracker through the engine and the outbox, against a GitHub-compatible tracker
on loopback: a tracker that fails is retried with backoff (the clock moved, never a sleep) and
the incident is untouched by it; one that refuses is a dead letter with its reason; a change
made before the issue exists is commented once it does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Service
from onwatch.engine.assembly import build_engine
from onwatch.engine.loop import Engine
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.notifications.models import Notification
from onwatch.tickets.models import Ticket
from tests.receivers import IssueTracker, issue_tracker
from tests.timeline import unruled

REPOSITORY = "acme/incidents"
TOKEN = "ghp_adapterTrackerToken42"


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> Iterator[IssueTracker]:
    monkeypatch.setenv("ACME_TRACKER_TOKEN", TOKEN)
    with issue_tracker(REPOSITORY, TOKEN) as server:
        yield server


def configure(db: Database, clock: FakeClock, api_url: str) -> None:
    text = f"""\
version: 1
people:
  - {{handle: ann, name: Ann Archer, email: ann@example.org}}
teams:
  - {{name: payments, members: [ann]}}
services:
  - {{name: checkout, team: payments}}
ticket_trackers:
  - team: payments
    api_url: {api_url}
    repository: {REPOSITORY}
    token: env:ACME_TRACKER_TOKEN
    labels: [incident]
    priority_labels: {{sev1: P1, sev2: P2}}
"""
    doc = document.load(text, "test")
    assert doc.errors == []
    with db.transaction() as session:
        apply(session, doc, prune=False, actor="test", now=clock.now())


def open_incident(db: Database, clock: FakeClock, severity: str = "sev2") -> int:
    with db.transaction() as session:
        service = session.scalars(select(Service).where(Service.name == "checkout")).one()
        incident = incidents.open_incident(
            session, service_id=service.id, title="Card payments failing", severity=severity,
            now=clock.now(), actor="test",
        )  # fmt: skip
        return incident.id


def engine(db: Database, clock: FakeClock, settings: Settings) -> Engine:
    return build_engine(
        db, clock, settings.model_copy(update={"base_url": "https://onwatch.example.org"}),
        handoff_notice=None,
    )  # fmt: skip


def tick(engine: Engine, clock: FakeClock) -> None:
    result = engine.tick(clock.now())
    assert result.failed == {}, result.failed


def the_incident(db: Database, incident_id: int) -> tuple[str, list[tuple[str, str]]]:
    with db.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        entries = session.execute(
            select(TimelineEntry.kind, TimelineEntry.text)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.id)
        ).all()
        return incident.status, unruled(tuple(e) for e in entries)  # type: ignore[misc]


def the_ticket(db: Database) -> tuple[Ticket, Notification]:
    with db.read() as session:
        ticket = session.scalars(select(Ticket)).one()
        row = session.scalars(
            select(Notification).where(Notification.idempotency_key == ticket.open_key)
        ).one()
        session.expunge_all()
        return ticket, row


def test_a_tracker_answering_500_is_retried_and_opens_one_issue_leaving_the_incident_alone(
    db: Database, clock: FakeClock, settings: Settings, tracker: IssueTracker
) -> None:
    configure(db, clock, tracker.url)
    incident_id = open_incident(db, clock, "sev1")
    before = the_incident(db, incident_id)
    pager = engine(db, clock, settings)
    tracker.answer((500, {}, b'{"message": "Server Error"}'))

    tick(pager, clock)
    [failed] = tracker.take(1)
    ticket, row = the_ticket(db)
    assert (ticket.state, row.state, row.attempts) == ("opening", "pending", 1)
    assert "answered 500" in (row.last_error or "")
    assert the_incident(db, incident_id) == before  # status and timeline as they were

    tick(pager, clock)  # not due yet: the backoff holds it
    tracker.assert_silent()
    clock.set(row.due_at)
    tick(pager, clock)
    [created] = tracker.take(1)
    assert created.json() == failed.json()  # the same issue, asked for again
    assert created.headers["idempotency-key"] == failed.headers["idempotency-key"]
    ticket, row = the_ticket(db)
    assert (ticket.state, ticket.number, row.state) == ("open", 1, "sent")
    assert created.json()["labels"] == ["incident", "P1"]
    assert len(tracker.issues) == 1
    assert the_incident(db, incident_id) == before

    clock.advance(timedelta(hours=1))
    tick(pager, clock)  # the step sees the incident has its ticket: nothing opened again
    tracker.assert_silent()


@pytest.mark.parametrize("status", [401, 422])
def test_a_tracker_that_refuses_is_a_dead_letter_with_its_reason(
    db: Database, clock: FakeClock, settings: Settings, tracker: IssueTracker, status: int
) -> None:
    configure(db, clock, tracker.url)
    incident_id = open_incident(db, clock)
    before = the_incident(db, incident_id)
    pager = engine(db, clock, settings)
    tracker.answer((status, {}, b'{"message": "Bad credentials"}'))

    tick(pager, clock)
    tracker.take(1)
    ticket, row = the_ticket(db)
    assert (ticket.state, row.state, row.attempts) == ("failed", "dead", 1)
    assert f"answered {status}" in (ticket.error or "")
    assert "Bad credentials" in (ticket.error or "")
    clock.advance(timedelta(days=1))
    tick(pager, clock)  # no retry, and no second ticket
    tracker.assert_silent()
    assert the_incident(db, incident_id) == before


def test_a_change_before_the_issue_exists_is_commented_once_it_does(
    db: Database, clock: FakeClock, settings: Settings, tracker: IssueTracker
) -> None:
    configure(db, clock, tracker.url)
    incident_id = open_incident(db, clock)
    pager = engine(db, clock, settings)
    tracker.answer(503)
    tick(pager, clock)
    tracker.take(1)
    clock.advance(timedelta(seconds=5))
    with db.transaction() as session:
        incident = incidents.get(session, incident_id)
        incidents.acknowledge(session, incident, actor="ann", now=clock.now())
    tick(pager, clock)  # the issue has no number yet: the comment waits
    tracker.assert_silent()

    _, row = the_ticket(db)
    clock.set(row.due_at)
    tick(pager, clock)  # opened now; the comment is written in this tick's step, sent next
    tracker.take(1)
    tick(pager, clock)
    [comment] = tracker.take(1)
    assert comment.path == f"/repos/{REPOSITORY}/issues/1/comments"
    assert comment.json()["body"].startswith("Acknowledged")
    assert "https://onwatch.example.org/incidents/" in comment.json()["body"]
