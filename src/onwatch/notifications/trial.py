""""Send me a test notification": one outbox row of kind 'test' per contact method of a person
that onwatch can send to (and their e-mail address), or to one method; audited. The engine
delivers it like any other message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Invalid, NotFound
from onwatch.directory import contacts
from onwatch.directory.models import Person
from onwatch.directory.queries import person_spec
from onwatch.directory.specs import NotificationRuleSpec
from onwatch.notifications.outbox import Outgoing, write
from onwatch.notifications.rules import EMAIL, destination_of, email_destination, method_label


@dataclass(frozen=True)
class Trial:
    """What a test notification request wrote: the labels of the messages on their way (new
    or already written this second), and the methods skipped with why."""

    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def send_test_notification(
    session: Session,
    handle: str,
    *,
    method: str | int | None,
    actor: str,
    now: datetime,
) -> Trial:
    """Write the test messages to the person `handle`: to every method when `method` is None,
    else to the one it names (`email`, a label, or a number from 1). NotFound for an unknown
    person; Invalid naming `method` when it names none that can be sent to."""
    person = session.scalar(select(Person).where(Person.handle == handle))
    if person is None:
        raise NotFound(f"no person {handle!r}")
    spec = person_spec(person)
    methods = list(person.contact_methods)
    trial = Trial()
    if method is None:
        chosen: list[int | None] = [None]
        for index, m in enumerate(spec.contact_methods):
            why = contacts.unreachable_reason(m)
            if why:
                trial.skipped.append((method_label(methods[index]), why))
            else:
                chosen.append(index)
    else:
        try:
            chosen = [contacts.method_of(spec, NotificationRuleSpec(contact=method))]
        except ValueError as error:
            raise Invalid(str(error), "method") from None
    stamp = int(now.timestamp())
    rows = []
    for index in chosen:
        m = methods[index] if index is not None else None
        label = method_label(m) if m else EMAIL
        rows.append(
            Outgoing(
                key=f"test:{person.id}:{m.id if m else EMAIL}:{stamp}",
                kind="test",
                due_at=now,
                destination=destination_of(m) if m else email_destination(person),
                label=f"{person.name} by {label} (test)",
                person_id=person.id,
                contact_method_id=m.id if m else None,
                payload={
                    "requested_by": actor,
                    "title": "onwatch test notification",
                    "text": f"A test notification for {person.name} by {label}, asked for by "
                    f"{actor}. If you read this, onwatch can reach you this way.",
                },
            )
        )
        trial.sent.append(label)
    write(session, rows, now)
    record(
        session,
        actor=actor,
        action="person.test_notification",
        entity_type="person",
        entity_key=handle,
        at=now,
        after={"to": trial.sent},
    )
    return trial
