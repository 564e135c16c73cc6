"""A person's notification rules as outbox rows: which contact method, when, with what
destination snapshot. Pure: a person (with their contact methods and rules) in, rows out.

Each rule of the page's urgency is one row, due `after` past the page; the rows are written at
once, so they run to completion whatever the escalation does next, and acknowledging the
incident cancels those still pending (outbox.cancel_pages). A person with no rule for the
urgency gets one e-mail at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from onwatch.notifications.outbox import Outgoing

EMAIL = "email"  # the key part of the person's own e-mail address


class MethodLike(Protocol):
    id: int
    kind: str
    address: str
    label: str | None
    url: str | None
    secret: str | None
    token: str | None


class RuleLike(Protocol):
    urgency: str
    position: int
    contact_method_id: int | None
    delay_seconds: int


class PersonLike(Protocol):
    id: int
    name: str
    email: str

    @property
    def contact_methods(self) -> Iterable[Any]: ...
    @property
    def notification_rules(self) -> Iterable[Any]: ...


@dataclass(frozen=True)
class Reach:
    """One message a rule sends: by which method (None: the person's e-mail), when after the
    page, and its place in the urgency's list."""

    rule_index: int
    contact_method_id: int | None
    delay: timedelta
    destination: dict[str, Any]
    label: str


def destination_of(method: MethodLike) -> dict[str, Any]:
    """The outbox snapshot of a contact method: what a sender needs, secrets as references
    (read when the message is sent). sms and phone go through their Apprise URL."""
    if method.kind == "email":
        return {"kind": "email", "address": method.address}
    if method.kind in ("sms", "phone"):
        return {"kind": "apprise", "url": method.url, "number": method.address}
    found: dict[str, Any] = {"kind": method.kind, "url": method.address}
    if method.kind == "webhook":
        found["secret"] = method.secret
    if method.kind == "ntfy" and method.token:
        found["token"] = method.token
    return found


def email_destination(person: PersonLike) -> dict[str, Any]:
    return {"kind": "email", "address": person.email}


def method_label(method: MethodLike) -> str:
    """ "ntfy (phone push)", "sms (work phone)", "slack"."""
    return f"{method.kind} ({method.label})" if method.label else method.kind


def reaches(person: PersonLike, urgency: str) -> list[Reach]:
    """What a page of `urgency` sends the person, in rule order; the e-mail fallback when they
    have no rule for it."""
    methods = {m.id: m for m in person.contact_methods}
    rules = sorted(
        (r for r in person.notification_rules if r.urgency == urgency), key=lambda r: r.position
    )
    found = []
    for rule in rules:
        method = methods.get(rule.contact_method_id) if rule.contact_method_id else None
        if rule.contact_method_id is not None and method is None:
            continue  # its method was deleted in this transaction; the rule goes with it
        found.append(
            Reach(
                rule_index=rule.position,
                contact_method_id=rule.contact_method_id,
                delay=timedelta(seconds=rule.delay_seconds),
                destination=destination_of(method) if method else email_destination(person),
                label=method_label(method) if method else EMAIL,
            )
        )
    if not found:
        found.append(Reach(0, None, timedelta(0), email_destination(person), EMAIL))
    return found


def page_key(key: str, person_id: int, reach: Reach) -> str:
    """`{cause}:{person}:{contact method id or 'email'}:{rule index}`."""
    method = reach.contact_method_id if reach.contact_method_id is not None else EMAIL
    return f"{key}:{person_id}:{method}:{reach.rule_index}"


def pages_for(
    person: PersonLike, *, incident_id: int, urgency: str, key: str, at: datetime
) -> list[Outgoing]:
    """The outbox rows of a page to the person at `at`: one per rule of the urgency."""
    return [
        Outgoing(
            key=page_key(key, person.id, reach),
            kind="page",
            urgency=urgency,
            due_at=at + reach.delay,
            destination=reach.destination,
            label=_label(person.name, reach),
            incident_id=incident_id,
            person_id=person.id,
            contact_method_id=reach.contact_method_id,
        )
        for reach in reaches(person, urgency)
    ]


def _label(name: str, reach: Reach) -> str:
    after = f", after {_minutes(reach.delay)}" if reach.delay else ""
    return f"{name} by {reach.label}{after}"


def _minutes(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
