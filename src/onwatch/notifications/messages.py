"""What a notification says, independent of the channel that carries it: each sender (channels/)
turns a Message into its wire format (an e-mail, a Slack Block Kit payload, an Adaptive Card…)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal["page", "channel", "test", "handoff"]
Urgency = Literal["high", "low"]


@dataclass(frozen=True)
class Link:
    title: str
    url: str


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
