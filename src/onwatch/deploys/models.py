"""Tables of deploys: a release of a service put out by someone at an instant, and what the watch
after it found (a finding per kind and error issue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

SOURCES = ("cli", "api", "pagerduty")
KINDS = ("new", "regressed", "rate")


class Deploy(Base):
    __tablename__ = "deploy"
    __table_args__ = (
        Index("ix_deploy_service_id_deployed_at", "service_id", "deployed_at"),
        # The watch step reads the deploys not yet watched: a small, shrinking set.
        Index("ix_deploy_watched_at", "watched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    release: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(64))
    # As given: a person's handle, an e-mail address or any text; the person when one matches.
    deployer: Mapped[str | None] = mapped_column(String(320))
    deployer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    deployed_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))
    # The watch's length for this deploy; None: the engine's (settings.deploys_watch_minutes).
    watch_minutes: Mapped[int | None]
    watched_at: Mapped[datetime | None]
    # When watched: {"new": n, "regressed": n, "rate": n, "events": n}.
    summary: Mapped[dict[str, Any] | None]


class DeployFinding(Base):
    """What the watch found: one row per deploy, kind and issue, so a finding is recorded and
    told once however many ticks see it."""

    __tablename__ = "deploy_finding"
    __table_args__ = (UniqueConstraint("deploy_id", "kind", "issue_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deploy_id: Mapped[int] = mapped_column(ForeignKey("deploy.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issue.id", ondelete="CASCADE"))
    found_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(300))
    count: Mapped[int]  # events of the issue in the release inside the window when found
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DeployWatch(Base):
    """A service's post-deploy watch window (config `deploy_watches:`); without a row, the
    engine's default (settings.deploys_watch_minutes)."""

    __tablename__ = "deploy_watch"
    __table_args__ = (CheckConstraint("minutes >= 1 AND minutes <= 10080", name="minutes_bounded"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    minutes: Mapped[int]
