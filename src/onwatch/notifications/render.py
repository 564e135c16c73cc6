"""The Message of one outbox row, from what the engine read when it claimed the row: pure, so
the engine builds it with no transaction open. Pages to a person carry signed ack and resolve
links; channel messages link to the incident page only. Every message about one incident shares
its thread key, so e-mail threads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from onwatch.notifications.links import LinkMaker
from onwatch.notifications.messages import Attachment, Kind, Link, Message, Urgency

# Kinds whose payload is the whole message, written by the domain that caused it (a
# stakeholder e-mail from its template, an invitation): title and text are used as they are.
WRITTEN = ("update", "invite", "ticket")


@dataclass(frozen=True)
class IncidentFacts:
    id: int
    title: str
    severity: str
    status: str
    service: str
    opened_at: datetime
    runbooks: tuple[Link, ...] = ()


@dataclass(frozen=True)
class RowFacts:
    """An outbox row as claimed: what the message needs of it."""

    id: int
    key: str
    kind: str
    urgency: str
    label: str
    destination: Mapping[str, Any]
    person_id: int | None = None
    person_name: str | None = None
    incident: IncidentFacts | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


def thread_key(incident_id: int) -> str:
    return f"incident:{incident_id}"


def message(row: RowFacts, links: LinkMaker, now: datetime) -> Message:
    """The message of the row. `payload` may give a `title` and `text` of its own (a test
    notification, a hand-off notice); an incident's facts fill in the rest. A payload may also
    carry `html`, `headers` ({name: value}), `attachments` ([{filename, content_type,
    content}]), `thread_key` (e-mail threading) and `thread_root` (the thread's first message),
    and `labels` (a ticket's), which pass through as they are."""
    built = _message(row, links, now)
    return replace(
        built,
        html=row.payload.get("html") or None,
        headers=tuple((str(k), str(v)) for k, v in dict(row.payload.get("headers") or {}).items()),
        attachments=tuple(
            Attachment(str(a["filename"]), str(a["content_type"]), str(a["content"]))
            for a in row.payload.get("attachments") or ()
        ),
        thread_key=str(row.payload.get("thread_key") or built.thread_key or "") or None,
        thread_root=bool(row.payload.get("thread_root")),
        labels=tuple(str(label) for label in row.payload.get("labels") or ()),
    )


def _message(row: RowFacts, links: LinkMaker, now: datetime) -> Message:
    incident = row.incident
    kind = cast(Kind, row.kind)
    urgency = cast(Urgency, row.urgency)
    if incident is None or row.kind in WRITTEN:
        title = str(row.payload.get("title") or row.label)
        text = str(row.payload.get("text") or title)
        return Message(
            key=row.key, kind=kind, urgency=urgency, title=title, text=text,
            recipient=row.person_name,
            incident_id=incident.id if incident else None,
            thread_key=thread_key(incident.id) if incident else None,
        )  # fmt: skip
    title = f"[{incident.severity}] {incident.service}: {incident.title}"
    ack_url = resolve_url = None
    if row.person_id is not None and row.kind == "page":
        via = str(row.destination.get("kind", ""))
        ack_url, resolve_url = links.for_person(
            incident.id, row.person_id, now, via=via if via.isalpha() else ""
        )
    lines = [
        str(row.payload.get("text") or incident.title),
        "",
        f"Service: {incident.service}",
        f"Severity: {incident.severity}",
        f"Status: {incident.status}",
        f"Opened: {incident.opened_at:%Y-%m-%d %H:%M} UTC",
        f"Incident: {links.incident(incident.id)}",
    ]
    if ack_url and resolve_url:
        lines += [f"Acknowledge: {ack_url}", f"Resolve: {resolve_url}"]
    answers = _answers(row, links, now)
    lines += [f"{link.title}: {link.url}" for link in (*answers, *incident.runbooks)]
    return Message(
        key=row.key,
        kind=kind,
        urgency=urgency,
        title=str(row.payload.get("title") or title),
        text="\n".join(lines),
        incident_id=incident.id,
        incident_url=links.incident(incident.id),
        service=incident.service,
        severity=incident.severity,
        status=incident.status,
        summary=incident.title,
        opened_at=incident.opened_at,
        recipient=row.person_name,
        ack_url=ack_url,
        resolve_url=resolve_url,
        links=(*answers, *incident.runbooks),
        thread_key=thread_key(incident.id),
    )


def _answers(row: RowFacts, links: LinkMaker, now: datetime) -> tuple[Link, ...]:
    """A responder request's signed accept and decline links (payload `respond`)."""
    if row.person_id is None or not row.payload.get("respond"):
        return ()
    via = str(row.destination.get("kind", ""))
    accept, decline = links.for_request(
        row.incident.id if row.incident else 0, row.person_id, now, via=via if via.isalpha() else ""
    )
    return (Link("Accept", accept), Link("Decline", decline))
