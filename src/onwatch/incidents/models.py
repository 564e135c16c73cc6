from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

STATUSES = ("triggered", "acknowledged", "resolved")
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")


class Incident(Base):
    """What people respond to: opened from grouped alerts or declared by hand."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("status IN ('triggered', 'acknowledged', 'resolved')", name="status"),
        CheckConstraint("severity IN ('sev1', 'sev2', 'sev3', 'sev4')", name="severity"),
        # One open incident per service and group key: two alerts racing to open the first
        # incident of a group cannot both win. Time-window grouping leaves `group_slot` NULL
        # (several windows may be open at once) and serialises on the service row instead.
        Index(
            "uq_incident_open_group",
            "service_id",
            "group_slot",
            unique=True,
            sqlite_where=text("status <> 'resolved'"),
            postgresql_where=text("status <> 'resolved'"),
        ),
        Index("ix_incident_status_opened", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    title: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="triggered")
    group_key: Mapped[str | None] = mapped_column(String(255))
    group_slot: Mapped[str | None] = mapped_column(String(255))
    auto_resolve: Mapped[bool] = mapped_column(default=True)
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    alert_count: Mapped[int] = mapped_column(default=0)


class TimelineEntry(Base):
    """One thing that happened to an incident, in order: opened, alert joined, acknowledged…"""

    __tablename__ = "timeline_entry"
    __table_args__ = (Index("ix_timeline_entry_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
