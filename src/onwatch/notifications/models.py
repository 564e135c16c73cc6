"""The outbox (one row per message to one destination, delivered by the engine) and the
channels messages can go to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

# page/channel: someone is needed on an incident (cancelled once it is acknowledged); notice: a
# one-off word about an incident (a security flag, an upstream outage, a responder request);
# reminder: something due (a role unclaimed, an update, an action item); update: a stakeholder
# e-mail; invite: an iCalendar invitation; ticket: a call to an issue tracker.
NOTIFICATION_KINDS = (
    "page", "channel", "test", "handoff", "notice", "reminder", "update", "invite", "ticket",
)  # fmt: skip
NOTIFICATION_STATES = ("pending", "sending", "sent", "dead", "cancelled")
CHANNEL_KINDS = ("email", "slack", "teams", "webhook", "ntfy", "apprise")


class Channel(Base):
    """A named place messages go to (a Slack channel's webhook, a mailing list…), declared in
    the config file. `settings` is the validated spec without name and type; secrets in it are
    references (`env:NAME`, `file:/path`), never values."""

    __tablename__ = "channel"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('email', 'slack', 'teams', 'webhook', 'ntfy', 'apprise')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notification(Base):
    """One message to one destination, written in the transaction of the change that caused
    it and delivered by the engine. The idempotency key is unique, so a cause recorded twice
    (two engines, a retried transaction) still sends once; it travels with the message."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('page', 'channel', 'test', 'handoff', 'notice', 'reminder', 'update', "
            "'invite', 'ticket')",
            name="kind",
        ),
        CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'dead', 'cancelled')", name="state"
        ),
        CheckConstraint("urgency IN ('high', 'low')", name="urgency"),
        Index("ix_notification_state_due", "state", "due_at"),
        # Rate limits count what went to one channel or contact method lately.
        Index("ix_notification_channel_sent", "channel_id", "sent_at"),
        Index("ix_notification_contact_sent", "contact_method_id", "sent_at"),
        Index("ix_notification_person_sent", "person_id", "sent_at"),
        # /metrics reads the delivery latency of what was sent lately (web/state_metrics.py).
        Index("ix_notification_sent", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8), default="high")
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    contact_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_method.id", ondelete="SET NULL")
    )
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id", ondelete="SET NULL"))
    # What it goes to, as it was when written: {"kind": "email", "address": "ann@…", …}.
    destination: Mapped[dict[str, Any]] = mapped_column(default=dict)
    label: Mapped[str] = mapped_column(String(300), default="")  # "Ann Archer by email"
    state: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    rate_limited_until: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # When the row was first due (due_at moves with each retry), and from then until it was
    # sent, in milliseconds: the delivery latency metric (engine/delivery).
    first_due_at: Mapped[datetime | None]
    latency_ms: Mapped[int | None]


class RateLimitRule(Base):
    """A kind of destination whose rate limit the config file sets (`rate_limits:`), instead of
    the default of notifications/limits.py."""

    __tablename__ = "rate_limit_rule"
    __table_args__ = (
        CheckConstraint("max > 0", name="max_positive"),
        CheckConstraint("per_seconds > 0", name="per_positive"),
    )

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    max: Mapped[int]
    per_seconds: Mapped[int]
