"""The stakeholders tables: subscriber lists (per team and per service), each team's settings
(templates, reminder cadence, first-update deadline), status updates sent, release
announcements, and each incident's communication state (thread, reminders, deadline)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base


class Subscriber(Base):
    """One address on one list: a team's (every service of the team) or a service's. Rows from
    the config file (`source` config) are managed by `apply`; those added at run time (api) are
    kept. Unsubscribing keeps the row with `unsubscribed_at`, so applying the file again does not
    subscribe the address anew."""

    __tablename__ = "subscriber"
    __table_args__ = (
        CheckConstraint("(team_id IS NULL) <> (service_id IS NULL)", name="one_list"),
        CheckConstraint("source IN ('config', 'api')", name="source"),
        # One row per address and list (a NULL never collides, so each list has its index).
        Index(
            "uq_subscriber_team",
            "team_id",
            "address",
            unique=True,
            sqlite_where=text("team_id IS NOT NULL"),
            postgresql_where=text("team_id IS NOT NULL"),
        ),
        Index(
            "uq_subscriber_service",
            "service_id",
            "address",
            unique=True,
            sqlite_where=text("service_id IS NOT NULL"),
            postgresql_where=text("service_id IS NOT NULL"),
        ),
        Index("ix_subscriber_address", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320))  # lower case
    source: Mapped[str] = mapped_column(String(16), default="api")
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(200))
    unsubscribed_at: Mapped[datetime | None]


class StakeholderSettings(Base):
    """A team's item of the config section `stakeholders:` (StakeholdersSpec, as JSON): its
    templates, how often the commander is reminded to send an update, and the first update's
    deadline. Teams without one use the defaults of stakeholders/policy.py."""

    __tablename__ = "stakeholder_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    spec: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class StatusUpdate(Base):
    """One stakeholder update of an incident, as it was sent: the status text its author wrote,
    and the subject and bodies the template made of it (one outbox row per recipient)."""

    __tablename__ = "status_update"
    __table_args__ = (Index("ix_status_update_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    status_text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(String(1000))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list[str]] = mapped_column(default=list)


class Announcement(Base):
    """A release announcement (release day's e-mail) to a service's subscriber lists."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    release: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    release_at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(String(1000))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list[str]] = mapped_column(default=list)


class IncidentComms(Base):
    """An incident's communication state, made when first needed: update reminders to the
    commander (the last one, a snooze), and the first update's deadline for a critical incident
    (its reminder to the communications owner, and the breach when it lapsed unsent)."""

    __tablename__ = "incident_comms"
    # The engine step reads the rows due (stakeholders/reminders.py).
    __table_args__ = (Index("ix_incident_comms_next", "next_at"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    reminded_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    snoozed_by: Mapped[str | None] = mapped_column(String(200))
    deadline_reminded_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    # When the step next decides for this incident (a reminder, the deadline's reminder or
    # breach); set to now when an update or a snooze changes the answer. None: nothing to come.
    next_at: Mapped[datetime | None]
