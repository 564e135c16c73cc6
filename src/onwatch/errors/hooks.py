"""What happens beside storing when an issue opens or regresses: the seams where routing, triage,
tickets and notifications plug in (issue 13, items 4 to 7). Called in intake's transaction, so
whatever they do is a row written there (an outbox row, a ticket job), never a network call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def issue_opened(session: Session, issue_id: int, now: datetime) -> None:
    """A new issue's first event was stored.

    TODO(issue 13, items 4-5): route by service → team → tech lead, apply the service's triage
    rules, open the prod-alert ticket (a tickets job row)."""


def issue_regressed(session: Session, issue_id: int, event_id: str, now: datetime) -> None:
    """A resolved issue got an event of a later release and is unresolved (regressed) again.

    TODO(issue 13, item 3): notify, as an outbox row to the service's tech lead (and the
    deployer of the release, item 7)."""
