"""Envelope items other than events that onwatch keeps, each type by a module of its own:
sessions feed release health (sessions.py), attachments are stored under a cap
(attachments.py). Two steps, as for events: `read` before the transaction (pure: parse and
check, refusing the envelope with the item named, so nothing of it is stored), `keep` inside
it (no network). Check-ins beat heartbeats, which live in alerts/: a layer above both keeps
them (integrations/sentry_checkins.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.errors import attachments
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.health import sessions
from onwatch.errors.keys import KeyGrant

Reader = Callable[[Item, dict[str, Any], str], Any]
Keeper = Callable[[Session, KeyGrant, Any, datetime], None]


@dataclass(frozen=True)
class Limits:
    """Caps on what is kept: bytes of one attachment, and of all of one envelope's."""

    attachment_bytes: int = 1024 * 1024
    envelope_attachment_bytes: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class Kept:
    type: str
    value: Any  # what the type's reader made of the item
    dropped: bool = False  # read, but over a cap: counted as dropped, not kept


_TYPES: dict[str, tuple[Reader, Keeper]] = {
    "session": (sessions.read_session, sessions.keep),
    "sessions": (sessions.read_aggregates, sessions.keep),
    "attachment": (attachments.read, attachments.keep),
}


def read(envelope: Envelope, limits: Limits = Limits()) -> list[Kept]:
    """The items of `envelope` that a module keeps, read. A reader returns None for an item it
    counts but does not keep, and raises Invalid (naming `where`) for one it refuses.
    Attachments over `limits` are marked dropped."""
    kept: list[Kept] = []
    for index, item in enumerate(envelope.items):
        handlers = _TYPES.get(item.type)
        if handlers is None:
            continue
        value = handlers[0](item, envelope.headers, f"items[{index}] ({item.type})")
        if value is not None:
            kept.append(Kept(item.type, value))
    files = [k for k in kept if k.type == "attachment"]
    fits = attachments.within_caps(
        [len(k.value.content) for k in files],
        limits.attachment_bytes,
        limits.envelope_attachment_bytes,
    )
    over = {id(k) for k, fit in zip(files, fits, strict=True) if not fit}
    return [Kept(k.type, None, dropped=True) if id(k) in over else k for k in kept]


def with_drops(
    counts: dict[str, tuple[int, int]], kept: Sequence[Kept]
) -> dict[str, tuple[int, int]]:
    """Ingestion counts {type: (items, quantity)} with the items dropped over a cap added to
    their type's quantity."""
    counted = dict(counts)
    for item in kept:
        if item.dropped:
            items_, quantity = counted.get(item.type, (0, 0))
            counted[item.type] = (items_, quantity + 1)
    return counted


def keep(session: Session, grant: KeyGrant, kept: Sequence[Kept], now: datetime) -> None:
    for item in kept:
        if not item.dropped:
            _TYPES[item.type][1](session, grant, item.value, now)
