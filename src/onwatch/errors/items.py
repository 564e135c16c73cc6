"""Envelope items other than events that onwatch keeps, each type by a module of its own:
sessions feed release health (sessions.py), attachments are stored under a cap
(attachments.py), check-ins beat a cron monitor's heartbeat (checkins.py). Two steps, as for
events: `read` before the transaction (pure: parse and check, refusing the envelope with the
item named, so nothing of it is stored), `keep` inside it (no network)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.errors import attachments, checkins, sessions
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.keys import KeyGrant

Reader = Callable[[Item, dict[str, Any], str], Any]
Keeper = Callable[[Session, KeyGrant, Any, datetime], None]


@dataclass(frozen=True)
class Kept:
    type: str
    value: Any  # what the type's reader made of the item


_TYPES: dict[str, tuple[Reader, Keeper]] = {
    "session": (sessions.read_session, sessions.keep),
    "sessions": (sessions.read_aggregates, sessions.keep),
    "attachment": (attachments.read, attachments.keep),
    "check_in": (checkins.read, checkins.keep),
}


def read(envelope: Envelope) -> list[Kept]:
    """The items of `envelope` that a module keeps, read. A reader returns None for an item it
    counts but does not keep, and raises Invalid (naming `where`) for one it refuses."""
    kept: list[Kept] = []
    for index, item in enumerate(envelope.items):
        handlers = _TYPES.get(item.type)
        if handlers is None:
            continue
        value = handlers[0](item, envelope.headers, f"items[{index}] ({item.type})")
        if value is not None:
            kept.append(Kept(item.type, value))
    return kept


def keep(session: Session, grant: KeyGrant, kept: Sequence[Kept], now: datetime) -> None:
    for item in kept:
        _TYPES[item.type][1](session, grant, item.value, now)
