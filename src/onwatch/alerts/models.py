from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base


class Alert(Base):
    """One problem as a monitor reports it, identified within its service by a dedup key."""

    __tablename__ = "alert"
    __table_args__ = (
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
        # status; none of these columns changes on a repeat, so a repeat rewrites no index.
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

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integration.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    dedup_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    # Why the alert opened no incident yet: "silence:<id>" or "maintenance:<id>". Cleared when
    # the hold ends; if it still fires then, it opens (or joins) an incident at that moment.
    held_by: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(255), default="")
    component: Mapped[str] = mapped_column(String(255), default="")
    group: Mapped[str] = mapped_column("group_name", String(255), default="")
    class_: Mapped[str] = mapped_column("class_name", String(255), default="")
    generator_url: Mapped[str] = mapped_column(String(2000), default="")
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    annotations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    links: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"links": [...], "images": [...]}
    count: Mapped[int] = mapped_column(default=1)
    event_count: Mapped[int] = mapped_column(default=1)
    # A digest of the body of the trigger that last wrote an event row. A trigger with the same
    # body (Alertmanager re-sends every firing alert) only raises the counts (alerts.repeats);
    # anything else that touches the alert clears it.
    event_hash: Mapped[str | None] = mapped_column(String(32))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


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
        # Equal only once cancelled before it started (cancelling sets both to that moment).
        CheckConstraint("ends_at >= starts_at", name="ends_not_before_start"),
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
