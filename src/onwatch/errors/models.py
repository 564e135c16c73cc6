"""Tables of error tracking: the keys SDKs send with (DSNs), error issues, the events that touched
them (a row each, for dedup and counting; the payload only on the latest samples), and counts by
hour, by affected user or IP, and by envelope item type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

STATUSES = ("unresolved", "resolved", "silenced")
# Triage by impact (seed 003): noise is silenced or fixed in code, annoying goes into the tech
# lead's digest (daily or weekly), data-corrupting and work-stopping open an incident that pages
# at once.
IMPACTS = ("noise", "annoying", "data_corrupting", "work_stopping")
URGENT_IMPACTS = ("data_corrupting", "work_stopping")
SUBSTATUSES = ("new", "ongoing", "regressed")


class ErrorKey(Base):
    """A DSN's public key. In Sentry's model it is not a secret (browser SDKs ship it), so it is
    stored as is; its project id is the id of the service it belongs to."""

    __tablename__ = "error_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # Events per minute this key may send (a token bucket per process); None: the default.
    rate_limit: Mapped[int | None]


class ErrorIssue(Base):
    """One problem of one service: every event whose grouping hash is `fingerprint`."""

    __tablename__ = "error_issue"
    # One issue per service and hash: concurrent first events of a new problem both insert, the
    # index lets one win and the other reads the winner's row (queries.issue_for).
    __table_args__ = (UniqueConstraint("service_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    grouping_version: Mapped[int]
    grouping_reason: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300))
    culprit: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(16), default="error")
    status: Mapped[str] = mapped_column(String(16), default="unresolved")
    substatus: Mapped[str | None] = mapped_column(String(16))
    # When substatus last changed: new and regressed turn ongoing a while after it.
    substatus_at: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
    event_count: Mapped[int] = mapped_column(BigInteger, default=0)
    user_count: Mapped[int] = mapped_column(default=0)
    ip_count: Mapped[int] = mapped_column(default=0)
    last_release: Mapped[str | None] = mapped_column(String(200))
    releases: Mapped[list[str]] = mapped_column(default=list)
    environments: Mapped[list[str]] = mapped_column(default=list)
    # {tag: {value: count}}, the first values seen of each tag (lifecycle.TAG_VALUES).
    tags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # While resolved: {"mode": now|next_release|release, "release", "releases_before"}.
    resolution: Mapped[dict[str, Any] | None]
    resolved_at: Mapped[datetime | None]
    # While silenced: {"until", "events", "users", "events_at", "users_at"} (lifecycle.py).
    silence: Mapped[dict[str, Any] | None]
    # Triage (triage.py): the impact, who set it (a person, or `rule:<service>` at intake) and
    # when; noise may be marked to be fixed in code (caught and logged, not sent).
    impact: Mapped[str | None] = mapped_column(String(16))
    impact_by: Mapped[str | None] = mapped_column(String(200))
    impact_at: Mapped[datetime | None]
    fix_in_code: Mapped[bool] = mapped_column(default=False)
    # The incident an urgent triage opened: one per issue, whatever the triage says later.
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), unique=True
    )
    # When the issue went into its tech lead's digest (annoying ones, once each).
    digested_at: Mapped[datetime | None]
    # Ids of the issues merged into this one by hand (merging.py), oldest merge first.
    merged_from: Mapped[list[Any]] = mapped_column(default=list)


class ErrorAlias(Base):
    """The hash of an issue merged into another: its later events land in `issue_id`. Read by
    intake only when no issue has the hash itself (queries.issue_for)."""

    __tablename__ = "error_alias"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("error_issue.id", ondelete="CASCADE"), index=True
    )
    # The id the merged issue had: its old address leads to the issue it is now part of.
    merged_id: Mapped[int] = mapped_column(unique=True)


class ErrorRule(Base):
    """A service's triage rules (config `error_rules:`): [{match: {tag|message|exception},
    impact}], first match wins, applied when an issue opens."""

    __tablename__ = "error_rule"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[list[Any]] = mapped_column(default=list)


class ErrorDigest(Base):
    """How often a service's annoying issues reach its tech lead (config `error_digests:`):
    daily or weekly, at close of business by the service's calendar. No row: daily."""

    __tablename__ = "error_digest"
    __table_args__ = (CheckConstraint("every IN ('daily', 'weekly')", name="every_known"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    every: Mapped[str] = mapped_column(String(8))


class ErrorEvent(Base):
    """Every event stored: what counting and dedup need. A retried event_id is one row."""

    __tablename__ = "error_event"
    __table_args__ = (
        UniqueConstraint("service_id", "event_id"),
        Index("ix_error_event_issue_id_received_at", "issue_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issue.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    release: Mapped[str | None] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(64))
    user_key: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(45))


class ErrorSample(Base):
    """The latest events of an issue in full (settings.errors_samples of them): a ring of
    slots, the issue's n-th event written over slot n % samples, one upsert per event."""

    __tablename__ = "error_sample"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("error_issue.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)  # the issue's event number: latest is highest
    event_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    url: Mapped[str | None] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]]


class ErrorHour(Base):
    """Events of an issue by hour (UTC), upserted by every event."""

    __tablename__ = "error_hour"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("error_issue.id", ondelete="CASCADE"), primary_key=True
    )
    hour_at: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class ErrorAffected(Base):
    """A user (kind `user`: id, e-mail, username or IP) or client IP (kind `ip`) an issue hit;
    the key makes counting distinct ones an insert that either adds a row or does nothing."""

    __tablename__ = "error_affected"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("error_issue.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)


class ErrorIngestion(Base):
    """Envelope items received per service and item type, processed or not: nothing an SDK
    sends is dropped without a count. `quantity` is what a client_report says it dropped."""

    __tablename__ = "error_ingestion"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    item_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_at: Mapped[datetime]


class ErrorSession(Base):
    """A session an SDK sent updates of (`session` items): its status so far, so that an update
    sent again, or its terminal update after the first, is counted once (errors/health/rates.py)."""

    __tablename__ = "error_session"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    release: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str] = mapped_column(String(64))
    hour_at: Mapped[datetime]  # the hour (UTC) it started: its counts go there
    status: Mapped[str] = mapped_column(String(16))  # ok until a terminal status
    updated_at: Mapped[datetime] = mapped_column(index=True)


class ErrorReleaseHour(Base):
    """Sessions of a service's release and environment by the hour they started, and how they
    ended: crashed, abnormal, errored (with errors, neither crashed nor abnormal); the rest
    exited well or are under way."""

    __tablename__ = "error_release_hour"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    release: Mapped[str] = mapped_column(String(200), primary_key=True)
    environment: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour_at: Mapped[datetime] = mapped_column(primary_key=True)
    sessions: Mapped[int] = mapped_column(BigInteger, default=0)
    crashed: Mapped[int] = mapped_column(BigInteger, default=0)
    abnormal: Mapped[int] = mapped_column(BigInteger, default=0)
    errored: Mapped[int] = mapped_column(BigInteger, default=0)


class ErrorReleaseUser(Base):
    """A distinct id (`did`) that had sessions of a release and environment: whether one of them
    crashed, and the hour of the first (so a rule's window counts users as it counts sessions)."""

    __tablename__ = "error_release_user"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    release: Mapped[str] = mapped_column(String(200), primary_key=True)
    environment: Mapped[str] = mapped_column(String(64), primary_key=True)
    did: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_hour_at: Mapped[datetime]
    crashed: Mapped[bool] = mapped_column(default=False)


class ErrorHealthRule(Base):
    """A service's release health rules (config `release_health_rules:`), evaluated by the
    engine (engine/release_health.py)."""

    __tablename__ = "error_health_rule"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[list[Any]] = mapped_column(default=list)


class ErrorHealthFiring(Base):
    """A release health rule firing for a release and environment: its alert was triggered and
    is resolved (and the row deleted) when the rate recovers or the rule goes away."""

    __tablename__ = "error_health_firing"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    release: Mapped[str] = mapped_column(String(200), primary_key=True)
    environment: Mapped[str] = mapped_column(String(64), primary_key=True)
    fired_at: Mapped[datetime]
    rate: Mapped[float]


class ErrorAttachment(Base):
    """A file an SDK sent with an event (an `attachment` item), under the size caps
    (settings.errors_attachment_max_bytes, errors_envelope_attachments_max_bytes). Kept while
    its event is one of its issue's samples (attachments.py prunes the rest)."""

    __tablename__ = "error_attachment"
    # A retried envelope stores its attachments once: one file of a name per event.
    __table_args__ = (UniqueConstraint("service_id", "event_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    attachment_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]
