"""Opening an issue for a subject and commenting on it, as outbox rows written in the caller's
transaction (the engine makes the calls), and recording what the tracker answered. Generic: the
subject is any kind (an incident, an error issue) and the words are the caller's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict
from onwatch.notifications import outbox
from onwatch.tickets.models import Ticket, TicketTracker

KIND = "ticket"  # the outbox rows' kind


def destination(tracker: TicketTracker, number: int | None = None) -> dict[str, Any]:
    """What an outbox row snapshots: the tracker's API, repository and token reference (the
    engine reads the token when it sends), and the issue for a comment."""
    found: dict[str, Any] = {
        "kind": tracker.kind,
        "url": tracker.api_url,
        "repository": tracker.repository,
        "token": tracker.token_ref,
    }
    if number is not None:
        found["issue"] = number
    return found


def ticket_of(
    session: Session, tracker_id: int, subject_kind: str, subject_id: int
) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(
            Ticket.tracker_id == tracker_id,
            Ticket.subject_kind == subject_kind,
            Ticket.subject_id == subject_id,
        )
    )


def open_issue(
    session: Session,
    tracker: TicketTracker,
    *,
    subject_kind: str,
    subject_id: int,
    title: str,
    body: str,
    labels: Sequence[str],
    actor: str,
    now: datetime,
    told_through: int = 0,
) -> Ticket:
    """A ticket for the subject in the tracker, and the outbox row that opens it. Conflict
    when the subject has one there already (one issue per subject and tracker)."""
    key = f"ticket:{tracker.id}:{subject_kind}:{subject_id}:open"
    ticket = Ticket(
        tracker_id=tracker.id, subject_kind=subject_kind, subject_id=subject_id,
        state="opening", open_key=key, told_through=told_through, created_at=now,
        created_by=actor,
    )  # fmt: skip
    try:
        with session.begin_nested():  # another engine or request opened it first
            session.add(ticket)
            session.flush()
    except IntegrityError:
        raise Conflict(f"the {subject_kind.replace('_', ' ')} has a ticket already") from None
    payload = {"ticket_id": ticket.id, "op": "open", "title": title, "text": body,
               "labels": list(labels)}  # fmt: skip
    outbox.write(
        session,
        [
            outbox.Outgoing(
                key=key, kind=KIND, due_at=now, destination=destination(tracker),
                label=f"issue in {tracker.repository}", urgency="low", payload=payload,
            )
        ],
        now,
    )  # fmt: skip
    record(
        session, actor=actor, action="ticket.open", entity_type="ticket",
        entity_key=f"{subject_kind}:{subject_id}", at=now,
        after={"repository": tracker.repository, "title": title, "labels": list(labels)},
    )  # fmt: skip
    return ticket


def comment(
    session: Session, ticket: Ticket, tracker: TicketTracker, *, about: str, text: str,
    now: datetime,
) -> bool:  # fmt: skip
    """An outbox row that comments `text` on the ticket's issue; `about` names the cause, so
    the same cause comments once. The issue must exist (have its number): the caller waits
    for it. Whether the row is new."""
    if ticket.number is None:
        raise Conflict("the issue is not open yet")
    return bool(
        outbox.write(
            session,
            [
                outbox.Outgoing(
                    key=f"ticket:{ticket.id}:comment:{about}", kind=KIND, due_at=now,
                    destination=destination(tracker, ticket.number),
                    label=f"comment on {tracker.repository}#{ticket.number}", urgency="low",
                    payload={"ticket_id": ticket.id, "op": "comment", "title": "", "text": text},
                )
            ],
            now,
        )
    )  # fmt: skip


def settle(
    session: Session, payload: Mapping[str, Any], state: str, answer: Mapping[str, Any],
    error: str | None, now: datetime,
) -> None:  # fmt: skip
    """What became of an outbox row of kind ticket (engine/delivery calls it when the row is
    sent or dead): an opened issue's number and links, or why the tracker refused it."""
    if payload.get("op") != "open":
        return
    ticket = session.get(Ticket, payload.get("ticket_id"))
    if ticket is None or ticket.state == "open":
        return
    if state == "sent" and isinstance(answer.get("number"), int):
        ticket.state, ticket.number, ticket.error = "open", answer["number"], None
        ticket.html_url, ticket.api_url = answer.get("html_url"), answer.get("url")
        ticket.opened_at = now
    elif state == "dead":
        ticket.state, ticket.error = "failed", (error or "the tracker refused it")[:2000]
