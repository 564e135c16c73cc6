"""What every outbound channel is: a sender that turns a Message into its wire format and says
how it went (Sent, Retry with an optional wait, GiveUp with why), as Alertmanager's notifiers
return (recoverable, error). Senders do no database work; the engine records the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from onwatch.notifications.messages import Message


@dataclass(frozen=True)
class Sent:
    """`answer`: what the receiver gave back that onwatch keeps (an opened issue's number and
    link), handed to the domain that wrote the row (engine/delivery's `settled`)."""

    detail: str = ""
    answer: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Retry:
    """A failure worth trying again: a network error, a 5xx, a 429. `after` is the receiver's
    Retry-After when it gave one."""

    why: str
    after: timedelta | None = None


@dataclass(frozen=True)
class GiveUp:
    """A failure that trying again will not fix (a 4xx, a refused address)."""

    why: str


Outcome = Sent | Retry | GiveUp


@dataclass(frozen=True)
class Destination:
    """Where one message goes: the kind of sender, and its settings with secret references
    already resolved to their values (resolved by the engine at send time, never stored)."""

    kind: str
    settings: Mapping[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    kind: str

    def send(self, message: Message, destination: Destination) -> Outcome: ...
