"""Rate limits of outgoing messages: how many may go to one destination (a channel, a person's
contact method) per period. Defaults per kind of destination, overridden per kind in the config
file (`rate_limits:`), and per channel by the channel's own `rate_limit:`. A message over its
limit is not dropped: it waits, and the incident page says until when."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.calendars.fields import Duration, Spec
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import NotFound
from onwatch.notifications.channels import rate_limit_of
from onwatch.notifications.models import Channel, Notification, RateLimitRule
from onwatch.notifications.retries import RateLimit

# Chosen to stop a flood (a flapping service paging every minute) without delaying a real
# page: Slack allows about one message a second per webhook, phones and inboxes far fewer.
DEFAULTS: dict[str, RateLimit] = {
    "email": RateLimit(20, timedelta(minutes=1)),
    "slack": RateLimit(30, timedelta(minutes=1)),
    "teams": RateLimit(30, timedelta(minutes=1)),
    "webhook": RateLimit(120, timedelta(minutes=1)),
    "ntfy": RateLimit(20, timedelta(minutes=1)),
    "apprise": RateLimit(20, timedelta(minutes=1)),
}


def stored_rules(session: Session) -> dict[str, RateLimit]:
    """The kinds whose limit the config file changed."""
    return {
        row.kind: RateLimit(row.max, timedelta(seconds=row.per_seconds))
        for row in session.scalars(select(RateLimitRule))
    }


def limits_by_kind(session: Session) -> dict[str, RateLimit]:
    return {**DEFAULTS, **stored_rules(session)}


def limit_of(
    row: Notification, by_kind: Mapping[str, RateLimit], channel: Channel | None
) -> RateLimit | None:
    """The limit that applies to the row: its channel's own, else its kind's."""
    if channel is not None:
        own = rate_limit_of(channel)
        if own is not None:
            return RateLimit(*own)
    return by_kind.get(str(row.destination.get("kind", "")))


def destination_key(row: Notification) -> tuple[str, int | str]:
    """What one limit counts: a channel, a contact method, or a person's fallback address."""
    if row.channel_id is not None:
        return ("channel", row.channel_id)
    if row.contact_method_id is not None:
        return ("contact", row.contact_method_id)
    if row.person_id is not None:
        return ("person", row.person_id)
    return ("address", str(row.destination.get("address") or row.destination.get("url")))


def recent_sends(
    session: Session, row: Notification, since: datetime, now: datetime
) -> list[datetime]:
    """When messages to the row's destination were sent since `since`, and rows being sent
    (held by an engine: counted as sent `now`, the worst case)."""
    kind, value = destination_key(row)
    column = {
        "channel": Notification.channel_id,
        "contact": Notification.contact_method_id,
        "person": Notification.person_id,
    }.get(kind)
    if column is None:
        return []
    stmt = select(Notification.sent_at, Notification.state).where(
        column == value,
        or_(Notification.sent_at > since, Notification.state == "sending"),
        Notification.id != row.id,
    )
    if kind == "person":
        stmt = stmt.where(Notification.contact_method_id.is_(None))
    return [
        sent_at if state == "sent" and sent_at is not None else now
        for sent_at, state in session.execute(stmt)
    ]


def checked_window(value: timedelta) -> timedelta:
    """A rate limit's window: from a second to a day."""
    if not timedelta(seconds=1) <= value <= timedelta(days=1):
        raise ValueError("must be between 1s and 1d")
    return value


class RateLimitSpec(Spec):
    """At most `max` messages every `per` to this channel; later ones wait their turn."""

    max: int = Field(ge=1, le=100_000, description="Messages allowed in each window.")
    per: Duration = Field(description="The window: 1s, 1m, 1h.")
    _window = field_validator("per")(checked_window)


class RateLimitRuleSpec(Spec):
    """The rate limit of every destination of one kind (each channel, each person's contact
    method of that kind), replacing the default."""

    kind: Literal["email", "slack", "teams", "webhook", "ntfy", "apprise"] = Field(
        description="The kind of destination: email, slack, teams, webhook, ntfy, apprise."
    )
    max: int = Field(ge=1, le=100_000, description="Messages to one destination per window.")
    per: Duration = Field(description="The window: 1s, 1m, 1h.")
    _window = field_validator("per")(checked_window)


def _described(row: RateLimitRule) -> dict[str, Any]:
    return {"kind": row.kind, "max": row.max, "per_seconds": row.per_seconds}


def rule_specs(session: Session) -> list[RateLimitRuleSpec]:
    return [
        RateLimitRuleSpec(kind=row.kind, max=row.max, per=timedelta(seconds=row.per_seconds))
        for row in session.scalars(select(RateLimitRule).order_by(RateLimitRule.kind))
    ]


def put_rule(
    session: Session, spec: RateLimitRuleSpec, *, actor: str, now: datetime
) -> Change | None:
    row = session.get(RateLimitRule, spec.kind)
    before = _described(row) if row else None
    per = int(spec.per.total_seconds())
    change = diff(
        "rate limit", spec.kind, before, {"kind": spec.kind, "max": spec.max, "per_seconds": per}
    )
    if change is None:
        return None
    if row is None:
        row = RateLimitRule(kind=spec.kind)
        session.add(row)
    row.max, row.per_seconds = spec.max, per
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_rule(session: Session, kind: str, *, actor: str, now: datetime) -> Change:
    """Back to the default of the kind."""
    row = session.get(RateLimitRule, kind)
    if row is None:
        raise NotFound(f"no rate limit for {kind!r}")
    change = deleted("rate limit", kind, _described(row))
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change
