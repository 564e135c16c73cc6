from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from onwatch.core.db import Base, JSONDoc, UTCDateTime

ALERT = Table(
    "alert",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("service.id"), nullable=False),
    Column("integration_id", ForeignKey("integration.id")),
    Column("incident_id", ForeignKey("incident.id")),
    Column("dedup_key", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    # Why the alert opened no incident yet: "silence:<id>" or "maintenance:<id>". Cleared when
    # the hold ends; if it still fires then, it opens (or joins) an incident at that moment.
    Column("held_by", String(64)),
    Column("summary", String(1024), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("source", String(255), nullable=False, default=""),
    Column("component", String(255), nullable=False, default=""),
    Column("group_name", String(255), nullable=False, default=""),
    Column("class_name", String(255), nullable=False, default=""),
    Column("generator_url", String(2000), nullable=False, default=""),
    Column("labels", JSONDoc, nullable=False, default=dict),
    Column("annotations", JSONDoc, nullable=False, default=dict),
    Column("details", JSONDoc, nullable=False, default=dict),
    Column("links", JSONDoc, nullable=False, default=dict),  # {"links": [...], "images": [...]}
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("acknowledged_at", UTCDateTime()),
    Column("resolved_at", UTCDateTime()),
    CheckConstraint("status IN ('firing', 'acknowledged', 'resolved')", name="status"),
    CheckConstraint("severity IN ('critical', 'error', 'warning', 'info')", name="severity"),
    # At most one open alert per service and dedup key, held by the database so that
    # concurrent triggers with one key fold into one alert instead of racing to insert.
    # Intake relies on it: INSERT … ON CONFLICT on this index is the dedup.
    Index(
        "uq_alert_open_dedup",
        "service_id",
        "dedup_key",
        unique=True,
        sqlite_where=text("status <> 'resolved'"),
        postgresql_where=text("status <> 'resolved'"),
    ),
    # Lists go newest first by id and page by id (keyset), with or without a service and a
    # status; none of these columns changes on a repeat.
    Index("ix_alert_service_id", "service_id", "id"),
    Index("ix_alert_service_status_id", "service_id", "status", "id"),
    Index("ix_alert_status_id", "status", "id"),
    # Held alerts are few: index only them, so "not held" walks the id indexes above.
    Index(
        "ix_alert_held",
        "held_by",
        "id",
        sqlite_where=text("held_by IS NOT NULL"),
        postgresql_where=text("held_by IS NOT NULL"),
    ),
    Index("ix_alert_incident", "incident_id"),
)
# What a repeat changes, in a narrow row of its own: Alertmanager re-sends every firing alert
# at each group interval, and rewriting the whole alert (labels, annotations, details) for each
# cost three times as much as these few columns (1.7 µs an alert against 0.5 in SQLite).
ALERT_TALLY = Table(
    "alert_tally",
    Base.metadata,
    Column("alert_id", ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True),
    Column("count", Integer, nullable=False, default=1),
    Column("event_count", Integer, nullable=False, default=1),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    # A digest of the body of the trigger that last wrote an event row. A trigger with the
    # same body (Alertmanager re-sends every firing alert) only raises the counts
    # (alerts.repeats); a monitor's acknowledge or resolve, a resolve by hand and a release
    # clear it, so the next trigger is news again.
    Column("event_hash", String(32)),
)


class Alert(Base):
    """One problem as a monitor reports it, identified within its service by a dedup key.
    Mapped to its two tables joined: the ORM reads and writes both as one. A bulk UPDATE
    names the table it changes (ALERT or ALERT_TALLY)."""

    __table__ = ALERT.join(ALERT_TALLY)

    id: Mapped[int] = column_property(ALERT.c.id, ALERT_TALLY.c.alert_id)
    service_id: Mapped[int] = ALERT.c.service_id
    integration_id: Mapped[int | None] = ALERT.c.integration_id
    incident_id: Mapped[int | None] = ALERT.c.incident_id
    dedup_key: Mapped[str] = ALERT.c.dedup_key
    status: Mapped[str] = ALERT.c.status
    held_by: Mapped[str | None] = ALERT.c.held_by
    summary: Mapped[str] = ALERT.c.summary
    severity: Mapped[str] = ALERT.c.severity
    source: Mapped[str] = ALERT.c.source
    component: Mapped[str] = ALERT.c.component
    group: Mapped[str] = ALERT.c.group_name
    class_: Mapped[str] = ALERT.c.class_name
    generator_url: Mapped[str] = ALERT.c.generator_url
    labels: Mapped[dict[str, Any]] = ALERT.c.labels
    annotations: Mapped[dict[str, Any]] = ALERT.c.annotations
    details: Mapped[dict[str, Any]] = ALERT.c.details
    links: Mapped[dict[str, Any]] = ALERT.c.links
    count: Mapped[int] = ALERT_TALLY.c.count
    event_count: Mapped[int] = ALERT_TALLY.c.event_count
    event_hash: Mapped[str | None] = ALERT_TALLY.c.event_hash
    first_seen_at: Mapped[datetime] = ALERT.c.first_seen_at
    last_seen_at: Mapped[datetime] = ALERT_TALLY.c.last_seen_at
    acknowledged_at: Mapped[datetime | None] = ALERT.c.acknowledged_at
    resolved_at: Mapped[datetime | None] = ALERT.c.resolved_at


class AlertEventRecord(Base):
    """An event that touched an alert. Only the newest MAX_EVENTS_KEPT per alert are kept;
    `Alert.event_count` keeps the total. A trigger repeated with the same body writes no row of
    its own: `seq` (the alert's event_count once this event was counted) tells how many times
    each kept event happened in a row (alerts.queries.event_repeats)."""

    __tablename__ = "alert_event"
    __table_args__ = (Index("ix_alert_event_alert_id", "alert_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    received_at: Mapped[datetime]
    seq: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(1024), default="")
    severity: Mapped[str | None] = mapped_column(String(8))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AlertPolicy(Base):
    """How a service's alerts become incidents: grouping and auto-resolve (config `alerting:`)."""

    __tablename__ = "alert_policy"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    grouping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    auto_resolve: Mapped[bool] = mapped_column(default=True)


class ChangeRecord(Base):
    """A change on a service (deploy, config change) sent to /v2/change/enqueue."""

    __tablename__ = "change_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integration.id"))
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(255), default="")
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    links: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Silence(Base):
    """Alerts whose labels match are stored but open no incident between starts_at and ends_at.
    Matchers also see the pseudo-label `service` (the service name)."""

    __tablename__ = "silence"
    __table_args__ = (
        # Equal only once expired before it started (expiring sets both to that moment).
        CheckConstraint("ends_at >= starts_at", name="ends_not_before_start"),
        Index("ix_silence_window", "ends_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matchers: Mapped[dict[str, Any]] = mapped_column()  # {"matchers": ["app=\"reader\"", …]}
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]


class MaintenanceWindow(Base):
    """Planned work on a service (ours or upstream): its alerts are held, not lost, and users
    are shown `message` through the public status endpoint."""

    __tablename__ = "maintenance_window"
    __table_args__ = (
        # The planned times: cancelling keeps them and sets cancelled_at, so the window ended
        # when it was cancelled (alerts.maintenance.ended_at).
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_maintenance_window_service_ends", "service_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    message: Mapped[str] = mapped_column(String(2000))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class Heartbeat(Base):
    """A job that promises to ping every `interval_seconds`; missing a ping by more than
    `grace_seconds` opens an alert `heartbeat:<name>`, the next ping resolves it. A heartbeat
    is `new` (not watched) until its first ping; `due_at` is when the next ping is late."""

    __tablename__ = "heartbeat"
    __table_args__ = (
        CheckConstraint("state IN ('new', 'up', 'down')", name="state"),
        CheckConstraint("interval_seconds > 0 AND grace_seconds >= 0", name="durations"),
        # The engine looks for `up` heartbeats past their due time every tick.
        Index("ix_heartbeat_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    interval_seconds: Mapped[int]
    grace_seconds: Mapped[int]
    severity: Mapped[str] = mapped_column(String(8), default="critical")
    # The ping URL's secret, hashed; None until a key is issued (a heartbeat from the config
    # file gets its key from `onwatch heartbeats key NAME`).
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(8), default="new")
    last_ping_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class SliRule(Base):
    """One SLI rule of a service (config `sli_rules:`): its spec as written, and the state the
    engine last evaluated it to, so hysteresis survives restarts and several engines."""

    __tablename__ = "sli_rule"
    __table_args__ = (UniqueConstraint("service_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    spec: Mapped[dict[str, Any]] = mapped_column()
    firing: Mapped[bool] = mapped_column(default=False)
    value: Mapped[float | None]
    reason: Mapped[str] = mapped_column(String(500), default="")
    changed_at: Mapped[datetime | None]


class MetricSampleRecord(Base):
    """What a service reported for one short interval ending at `at` (see alerts.sli
    MetricSample). One row per service and instant, so a retried post replaces rather than
    doubles; pruned by the engine after RETENTION."""

    __tablename__ = "metric_sample"
    __table_args__ = (Index("ix_metric_sample_at", "at"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(primary_key=True)
    requests: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    p50: Mapped[float | None]
    p95: Mapped[float | None]
    p99: Mapped[float | None]
    breaker_open: Mapped[bool] = mapped_column(default=False)
