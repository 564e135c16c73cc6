"""The upstream tables: which upstream service an incident was marked against, the maintenance
windows opened from an incident, and evidence bundles kept as attached (a snapshot that does
not change when more events arrive)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base


class UpstreamOutage(Base):
    """An incident marked as an outage of an upstream service. An incident opened on a service
    we do not control needs no row: its own service is the upstream one."""

    __tablename__ = "upstream_outage"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    marked_at: Mapped[datetime]
    marked_by: Mapped[str] = mapped_column(String(200))


class UpstreamWindow(Base):
    """A maintenance window opened from an incident page (the window's own row is in alerts)."""

    __tablename__ = "upstream_window"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    window_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_window.id", ondelete="CASCADE"), primary_key=True
    )


class EvidenceBundle(Base):
    """An evidence bundle as attached to the upstream report: the JSON document and its
    Markdown, for the window asked, as they were when attached. Its URL never changes."""

    __tablename__ = "evidence_bundle"
    __table_args__ = (Index("ix_evidence_bundle_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    since: Mapped[datetime]
    until: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    markdown: Mapped[str] = mapped_column(Text, default="")
