"""What a notification says, independent of the channel that carries it: each sender (channels/)
turns a Message into its wire format (an e-mail, a Slack Block Kit payload, an Adaptive Card…)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal[
    "page", "channel", "test", "handoff", "notice", "reminder", "update", "invite", "ticket"
]
Urgency = Literal["high", "low"]


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail: an iCalendar invitation (`text/calendar; method=REQUEST`),
    an evidence bundle. Text only, as the outbox stores it in JSON."""

    filename: str
    content_type: str  # "text/calendar; method=REQUEST"
    content: str


@dataclass(frozen=True)
class Message:
    """One message to one destination. `key` is the outbox row's idempotency key: the same on
    every retry, sent along so that a receiver can drop a message it already has."""

    key: str
    kind: Kind
    urgency: Urgency
    title: str  # one line: "[sev1] checkout: card payments failing"
    text: str  # plain text body, complete on its own
    incident_id: int | None = None
    incident_url: str | None = None
    service: str | None = None
    severity: str | None = None  # sev1…sev4
    status: str | None = None  # triggered, acknowledged, resolved
    summary: str | None = None  # the incident's title
    opened_at: datetime | None = None
    recipient: str | None = None  # the person's name, for messages to a person
    # Signed links that act for the recipient (links helper); None for channel messages, which
    # link to the incident page instead.
    ack_url: str | None = None
    resolve_url: str | None = None
    links: tuple[Link, ...] = field(default_factory=tuple)  # runbooks and the like
    # Messages about one incident share it: e-mail threads them (Message-ID, References).
    thread_key: str | None = None
    # Written in full by the domain (a stakeholder e-mail from its template, an invitation):
    # the HTML body as it is, extra e-mail headers (List-Unsubscribe…), attachments. Senders
    # other than e-mail use title and text.
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    # The first message of its thread (the first stakeholder e-mail of an incident): its own
    # Message-ID is the thread's root, which every later message replies to.
    thread_root: bool = False
    # A ticket's labels (an issue tracker's), from the payload.
    labels: tuple[str, ...] = field(default_factory=tuple)
