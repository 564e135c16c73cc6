"""Stored channels (named destinations declared in the config file): create, change, delete and
list them, audited, in the caller's transaction. Their settings arrive validated (channels/specs
checks them, a layer above); secrets in them are references, so audit entries hold no secret."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.calendars.fields import parse_duration
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.db import delete_unless_referenced
from onwatch.core.errors import NotFound
from onwatch.notifications.models import Channel


def described(row: Channel) -> dict[str, Any]:
    """A channel as config files write it (and audit entries record it)."""
    return {"name": row.name, "type": row.kind, **row.settings}


def channel_row(session: Session, name: str) -> Channel | None:
    return session.scalar(select(Channel).where(Channel.name == name))


def get_channel(session: Session, name: str) -> Channel:
    row = channel_row(session, name)
    if row is None:
        raise NotFound(f"no channel {name!r}")
    return row


def list_channels(session: Session) -> list[Channel]:
    return list(session.scalars(select(Channel).order_by(Channel.name)))


def put_channel(
    session: Session,
    name: str,
    kind: str,
    settings: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    row: Channel | None = None,
) -> Change | None:
    """Create or update the channel; None when it is stored as given. `row` is the stored one
    when the caller has already read it (a whole section at once)."""
    row = row if row is not None else channel_row(session, name)
    before = described(row) if row else None
    # A field dropped from the spec (a token no longer needed) is a change to None.
    after = {**dict.fromkeys(before or {}), "name": name, "type": kind, **settings}
    change = diff("channel", name, before, after)
    if change is None:
        return None
    if row is None:
        row = Channel(name=name)
        session.add(row)
    row.kind, row.settings = kind, dict(settings)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_channel(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    """Delete the channel. Outbox rows that went to it keep their destination snapshot (their
    channel_id becomes NULL), so history stays readable and pending ones still deliver."""
    row = get_channel(session, name)
    change = deleted("channel", name, described(row))
    delete_unless_referenced(
        session,
        row,
        f"channel {name!r} is still in use (an escalation policy's target); change those "
        "policies first",
    )
    record_change(session, change, actor=actor, at=now)
    return change


def rate_limit_of(row: Channel) -> tuple[int, timedelta] | None:
    """The channel's own rate limit (`rate_limit: {max: 30, per: 1m}`), or None for the
    default of its kind."""
    limit = row.settings.get("rate_limit")
    if not isinstance(limit, dict):
        return None
    return int(limit["max"]), parse_duration(limit["per"])
