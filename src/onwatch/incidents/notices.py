"""One-off words about an incident to a person or a channel (a role reminder, a responder
request, a security flag, an urgent triage): outbox rows of kind `notice` or `reminder`, written
in the caller's transaction with deterministic keys, so the same cause sends once. A person is
reached by the first wave of their notification rules for the urgency (the rules due at once),
not the whole chain a page runs through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.directory.models import Person, Service, Team
from onwatch.escalation.specs import TargetSpec
from onwatch.escalation.targets import Reached, Resolver
from onwatch.notifications import rules
from onwatch.notifications.models import Channel
from onwatch.notifications.outbox import Outgoing, write


@dataclass(frozen=True)
class Words:
    """What a notice says: its title and first line; `extra` goes into the payload too (a
    responder request's `respond` marks it for accept and decline links)."""

    title: str
    text: str
    extra: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, **(self.extra or {})}


def to_person(
    person: Person,
    *,
    incident_id: int | None,
    kind: str,
    urgency: str,
    key: str,
    words: Words,
    now: datetime,
) -> list[Outgoing]:
    """The rows that tell the person now: each of their rules for the urgency due at once (the
    first rule when none is), or their e-mail when they have no rule. Without an incident (an
    error digest) the words are the whole message."""
    reaches = rules.reaches(person, urgency)
    first = [r for r in reaches if not r.delay] or reaches[:1]
    return [
        Outgoing(
            key=rules.page_key(key, person.id, reach),
            kind=kind,
            urgency=urgency,
            due_at=now,
            destination=reach.destination,
            label=f"{person.name} by {reach.label}",
            incident_id=incident_id,
            person_id=person.id,
            contact_method_id=reach.contact_method_id,
            payload=words.payload(),
        )
        for reach in first
    ]


def to_channel(
    channel: Channel,
    *,
    incident_id: int,
    kind: str,
    urgency: str,
    key: str,
    words: Words,
    now: datetime,
) -> Outgoing:
    return Outgoing(
        key=f"{key}:channel:{channel.id}",
        kind=kind,
        urgency=urgency,
        due_at=now,
        destination={"kind": channel.kind, **channel.settings},
        label=f"{channel.name} ({channel.kind})",
        incident_id=incident_id,
        channel_id=channel.id,
        payload=words.payload(),
    )


def send(
    session: Session,
    reached: Iterable[Reached],
    *,
    incident_id: int,
    kind: str,
    urgency: str,
    key: str,
    words: Words,
    now: datetime,
) -> int:
    """Write the notice to each person and channel reached; how many rows were new."""
    rows: list[Outgoing] = []
    for r in reached:
        if r.kind == "person":
            person = session.get(Person, r.id)
            if person is not None:
                rows += to_person(
                    person, incident_id=incident_id, kind=kind, urgency=urgency, key=key,
                    words=words, now=now,
                )  # fmt: skip
        else:
            channel = session.get(Channel, r.id)
            if channel is not None:
                rows.append(
                    to_channel(
                        channel,
                        incident_id=incident_id,
                        kind=kind,
                        urgency=urgency,
                        key=key,
                        words=words,
                        now=now,
                    )  # fmt: skip
                )
    return write(session, rows, now)


def resolve_targets(
    session: Session, targets: Iterable[TargetSpec], at: datetime
) -> tuple[list[Reached], list[str]]:
    """Whom the targets reach at `at` (each once), and why each empty one is empty."""
    resolver = Resolver(session)
    found: list[Reached] = []
    nobody: list[str] = []
    seen: set[tuple[str, int]] = set()
    for target in targets:
        reached, why = resolver.target(target, at)
        if reached is None:
            nobody.append(why)
        elif (reached.kind, reached.id) not in seen:
            seen.add((reached.kind, reached.id))
            found.append(reached)
    return found, nobody


def tech_lead(session: Session, service: Service) -> Reached | None:
    """The service's tech lead, else its team's."""
    person_id, via = service.tech_lead_id, f"tech lead of {service.name}"
    if person_id is None and service.team_id is not None:
        team = session.get(Team, service.team_id)
        if team is not None and team.tech_lead_id is not None:
            person_id, via = team.tech_lead_id, f"tech lead of team {team.name}"
    person = session.get(Person, person_id) if person_id is not None else None
    return Reached("person", person.id, person.name, via) if person else None


def people_by_handle(session: Session, handles: Iterable[str]) -> list[Person]:
    wanted = [h for h in dict.fromkeys(handles) if h]
    if not wanted:
        return []
    found = {p.handle: p for p in session.scalars(select(Person).where(Person.handle.in_(wanted)))}
    return [found[h] for h in wanted if h in found]
