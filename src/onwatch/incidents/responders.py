"""Responder requests: ask a person, or everyone the first step of an escalation policy reaches
now, to join an incident with a message. Each gets a notice carrying signed accept and decline
links (notifications/links.py); an answer changes the request's state, goes on the timeline and
is audited. One request per person and incident: asking someone who declined asks again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.directory.models import Person
from onwatch.escalation import policies
from onwatch.escalation.targets import Resolver
from onwatch.incidents import notices
from onwatch.incidents.models import DONE_STATUSES, Incident, ResponderRequest
from onwatch.incidents.roles import locked_incident
from onwatch.incidents.timeline import note
from onwatch.notifications.outbox import write

MAX_MESSAGE = 2000
STATES = ("requested", "accepted", "declined")


@dataclass(frozen=True)
class Asked:
    """The outcome of a request: who was asked now, and who already had a request open."""

    requests: list[ResponderRequest]
    already: list[str]  # names of people already asked (or who accepted)


def request(
    session: Session,
    incident_id: int,
    *,
    person: str | None = None,
    policy: str | None = None,
    message: str = "",
    actor: str,
    now: datetime,
    source: str = "system",
) -> Asked:
    """Ask the person (handle), or the people the policy's first step reaches now, to join.
    Invalid naming `person`, `policy` or `message`; Conflict for a resolved incident."""
    incident = locked_incident(session, incident_id)
    if incident.status in DONE_STATUSES:
        raise Conflict(f"incident {incident.id} is {incident.status}; ask for help on an open one")
    text = (message or "").strip()
    if len(text) > MAX_MESSAGE:
        raise Invalid(f"at most {MAX_MESSAGE} characters (got {len(text)})", "message")
    if "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text):
        raise Invalid("holds a NUL character or half a surrogate pair, which is no text", "message")
    if bool(person) == bool(policy):
        raise Invalid("name exactly one of person or policy", "person" if not person else "policy")
    people = _people(session, person, policy, now)
    asked, already = [], []
    existing = {
        r.person_id: r
        for r in session.scalars(
            select(ResponderRequest).where(ResponderRequest.incident_id == incident.id)
        )
    }
    for someone in people:
        row = existing.get(someone.id)
        if row is not None and row.state != "declined":
            already.append(someone.name)
            continue
        if row is None:
            row = ResponderRequest(incident_id=incident.id, person_id=someone.id)
            session.add(row)
        row.policy, row.message, row.state = policy, text, "requested"
        row.requested_by, row.requested_at, row.answered_at = actor, now, None
        session.flush()
        _notify(session, incident, someone, row, now)
        asked.append(row)
    if asked:
        names = ", ".join(session.get(Person, r.person_id).name for r in asked)  # type: ignore[union-attr]
        via = f" (policy {policy})" if policy else ""
        said = f": {text}" if text else ""
        note(
            session,
            incident,
            kind="responder_requested",
            text=f"Asked {names}{via} to join{said}",
            actor=actor,
            now=now,
            source=source,
            data={"requests": [r.id for r in asked], "policy": policy},
        )
        record(
            session, actor=actor, action="incident.request_responders", entity_type="incident",
            entity_key=str(incident.id), at=now, before=None,
            after={"people": [r.person_id for r in asked], "policy": policy, "message": text},
        )  # fmt: skip
    return Asked(asked, already)


def _people(
    session: Session, person: str | None, policy: str | None, now: datetime
) -> list[Person]:
    if person:
        found = session.scalar(select(Person).where(Person.handle == person.strip()))
        if found is None:
            raise Invalid(f"no person {person!r} in the directory", "person")
        return [found]
    try:
        spec = policies.get_policy(session, str(policy).strip())
    except NotFound:
        raise Invalid(f"no escalation policy {policy!r}", "policy") from None
    reach = Resolver(session).step(spec.steps[0], now)
    people = [session.get(Person, r.id) for r in reach.people]
    found = [p for p in people if p is not None]
    if not found:
        why = "; ".join(reach.nobody) or "its first step names only channels"
        raise Invalid(f"the first step of {spec.name} reaches nobody now ({why})", "policy")
    return found


def _notify(
    session: Session, incident: Incident, person: Person, row: ResponderRequest, now: datetime
) -> None:
    words = notices.Words(
        title=f"You are asked to join incident #{incident.id}: {incident.title}",
        text=row.message or f"You are asked to join incident #{incident.id}.",
        extra={"respond": True},
    )
    write(
        session,
        notices.to_person(
            person,
            incident_id=incident.id,
            kind="notice",
            urgency="high",
            key=f"notice:responder:{row.id}:{int(now.timestamp())}",
            words=words,
            now=now,
        ),  # fmt: skip
        now,
    )


def answer(
    session: Session,
    incident_id: int,
    person_id: int,
    accept: bool,
    *,
    actor: str,
    now: datetime,
    source: str = "system",
) -> tuple[ResponderRequest, bool]:
    """The person accepts or declines their request to join; (row, False) when it already was
    so. NotFound when they have no request on the incident."""
    incident = locked_incident(session, incident_id)
    row = session.scalar(
        select(ResponderRequest).where(
            ResponderRequest.incident_id == incident.id, ResponderRequest.person_id == person_id
        )
    )
    if row is None:
        raise NotFound(f"nobody asked this person to join incident {incident_id}")
    state = "accepted" if accept else "declined"
    if row.state == state:
        return row, False
    before = row.state
    row.state, row.answered_at = state, now
    person = session.get(Person, person_id)
    name = person.name if person else f"person {person_id}"
    verb = "accepted" if accept else "declined"
    note(
        session,
        incident,
        kind=f"responder_{state}",
        text=f"{name} {verb} the request to join",
        actor=actor,
        now=now,
        source=source,
        data={"request": row.id},
    )
    record(
        session, actor=actor, action=f"incident.responder_{state}", entity_type="incident",
        entity_key=str(incident.id), at=now, before={"request": row.id, "state": before},
        after={"request": row.id, "state": state},
    )  # fmt: skip
    return row, True


def requests_of(session: Session, incident_id: int) -> list[tuple[ResponderRequest, Person]]:
    """The incident's requests with their people, oldest first."""
    return [
        (r, p)
        for r, p in session.execute(
            select(ResponderRequest, Person)
            .join(Person, Person.id == ResponderRequest.person_id)
            .where(ResponderRequest.incident_id == incident_id)
            .order_by(ResponderRequest.requested_at, ResponderRequest.id)
        ).all()
    ]
