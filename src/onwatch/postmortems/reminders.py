"""Overdue action items remind their owners (an engine step): an open item whose due date has
passed (in UTC) gets one outbox `reminder` a day to its owner's e-mail, keyed by item and day,
and a line on the incident's timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.directory.models import Person
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident
from onwatch.notifications.outbox import Outgoing, write
from onwatch.postmortems.models import ActionItem

BATCH = 200


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def is_reminder_due(item: ActionItem, now: datetime) -> bool:
    """Open, owned, past its due date, and not reminded yet today (UTC)."""
    today = now.astimezone(UTC).date()
    if item.status != "open" or item.owner_id is None or item.due_on is None:
        return False
    reminded = item.last_reminded_at
    return item.due_on < today and (reminded is None or reminded.astimezone(UTC).date() < today)


def next_reminder_at(item: ActionItem) -> datetime | None:
    """When the item is next reminded, if it stays open: the day after its due date, or the
    day after its last reminder, whichever is later."""
    if item.status != "open" or item.owner_id is None or item.due_on is None:
        return None
    after = item.due_on + timedelta(days=1)
    if item.last_reminded_at is not None:
        after = max(after, item.last_reminded_at.astimezone(UTC).date() + timedelta(days=1))
    return _midnight(after)


def _open_items(session: Session, before: date) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(
                ActionItem.status == "open",
                ActionItem.owner_id.is_not(None),
                ActionItem.due_on < before,
            )
            .order_by(ActionItem.due_on, ActionItem.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )


def remind_overdue(session: Session, now: datetime) -> int:
    """The engine step: remind each overdue item not reminded today; how many were."""
    today = now.astimezone(UTC).date()
    done = 0
    for item in _open_items(session, today):
        if not is_reminder_due(item, now):
            continue
        owner = session.get(Person, item.owner_id)
        incident = session.get(Incident, item.incident_id)
        if owner is None or incident is None:
            continue
        late = (today - item.due_on).days if item.due_on else 0
        write(
            session,
            [
                Outgoing(
                    key=f"action-item:{item.id}:reminder:{today.isoformat()}",
                    kind="reminder",
                    due_at=now,
                    destination={"kind": "email", "address": owner.email},
                    label=f"Action item reminder to {owner.name}",
                    urgency="low",
                    incident_id=incident.id,
                    person_id=owner.id,
                    payload={
                        "title": f"Overdue action item: {item.title}",
                        "text": (
                            f"The action item “{item.title}” of incident {incident.id} "
                            f"({incident.title}) was due {item.due_on}, {late} day"
                            f"{'' if late == 1 else 's'} ago, and is still open. Mark it done "
                            "or move its due date."
                        ),
                    },
                )
            ],
            now,
        )
        item.last_reminded_at = now
        entry = incidents.note(
            session, incident, kind="action_item",
            text=f"Reminded {owner.name}: action item overdue: {item.title}",
            actor="engine:reminders", now=now, data={"item": item.id},
        )  # fmt: skip
        entry.source = "engine"
        done += 1
    return done


def next_due(session: Session) -> datetime | None:
    """When the step next has work: the earliest next reminder of an open, dated item."""
    items = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.status == "open",
            ActionItem.owner_id.is_not(None),
            ActionItem.due_on.is_not(None),
        )
        .order_by(ActionItem.due_on)
        .limit(BATCH)
    )
    instants = [at for at in (next_reminder_at(i) for i in items) if at is not None]
    return min(instants, default=None)
