"""Paging a person or a channel about an incident: the outbox rows an escalation step writes.
A person is reached through their notification rules for the urgency (each rule a contact
method and a delay); a person with no rules gets an e-mail at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.directory.models import Person
from onwatch.notifications import rules
from onwatch.notifications.models import Channel
from onwatch.notifications.outbox import Outgoing, write


def page_person(
    session: Session,
    *,
    incident_id: int,
    person_id: int,
    urgency: str,
    key: str,
    at: datetime,
    now: datetime,
) -> int:
    """Write the pages that reach the person about the incident from `at` on: one row per
    notification rule of the urgency, due at `at` + the rule's delay (rules.pages_for); `key`
    names the cause (incident, round, loop, step) and is extended per contact method and rule.
    How many rows were new."""
    person = session.get(Person, person_id)
    if person is None:
        return 0
    return write(
        session,
        rules.pages_for(person, incident_id=incident_id, urgency=urgency, key=key, at=at),
        now,
    )


def notify_channel(
    session: Session,
    *,
    incident_id: int,
    channel_id: int,
    urgency: str,
    key: str,
    at: datetime,
    now: datetime,
) -> int:
    """Write the message to a channel about the incident; how many rows were new."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        return 0
    return write(
        session,
        [
            Outgoing(
                key=f"{key}:channel:{channel_id}",
                kind="channel",
                urgency=urgency,
                due_at=at,
                destination={"kind": channel.kind, **channel.settings},
                label=f"{channel.name} ({channel.kind})",
                incident_id=incident_id,
                channel_id=channel_id,
            )
        ],
        now,
    )
