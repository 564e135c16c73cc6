"""The postmortems tables: one post-mortem per incident, its action items and its review
meeting (the iCalendar UID and SEQUENCE its invitations carry)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

STATES = ("draft", "published")
ITEM_STATUSES = ("open", "done", "wont_do")
ITEM_KINDS = ("mitigate", "prevent", "process")
ITEM_ORIGINS = ("incident", "review")


class PostMortem(Base):
    """The written account of an incident, as Markdown: generated as a draft when first opened,
    edited by people (`edited` then guards it against regeneration), then published."""

    __tablename__ = "postmortem"
    __table_args__ = (CheckConstraint("state IN ('draft', 'published')", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One per incident is the schema's: two people opening it at once cannot make two.
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(16), default="draft")
    markdown: Mapped[str] = mapped_column(Text, default="")
    edited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(200))


class ActionItem(Base):
    """Something to do so that the incident does not happen again (or hurts less): owned by a
    person, due on a date, from the incident itself or from its review. An open item past its
    due date reminds its owner once a day (postmortems/reminders.py)."""

    __tablename__ = "action_item"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'wont_do')", name="status"),
        CheckConstraint("kind IN ('mitigate', 'prevent', 'process')", name="kind"),
        CheckConstraint("origin IN ('incident', 'review')", name="origin"),
        CheckConstraint(
            "ticket_url IS NULL OR ticket_url LIKE 'http://%' OR ticket_url LIKE 'https://%'",
            name="ticket_url",
        ),
        # The reminder step reads open items by due date.
        Index("ix_action_item_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    postmortem_id: Mapped[int | None] = mapped_column(
        ForeignKey("postmortem.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    kind: Mapped[str] = mapped_column(String(16), default="prevent")
    ticket_url: Mapped[str | None] = mapped_column(String(2000))
    origin: Mapped[str] = mapped_column(String(16), default="incident")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]
    last_reminded_at: Mapped[datetime | None]


class ReviewMeeting(Base):
    """The post-mortem's review meeting. Its invitations share one UID; each change raises
    SEQUENCE, so calendars replace the event instead of adding another."""

    __tablename__ = "review_meeting"
    __table_args__ = (
        CheckConstraint("sequence >= 0", name="sequence"),
        CheckConstraint("duration_minutes > 0", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortem.id", ondelete="CASCADE"), unique=True
    )
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    location: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    # The chosen stakeholders' addresses; the commander and the service owner are added when
    # the invitations are written.
    attendees: Mapped[list[str]] = mapped_column(default=list)
    organizer: Mapped[str] = mapped_column(String(320))
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))


class Play(Base):
    """A runbook saved from an incident's resolution ("save as a play", seed 001): linked to the
    incident's service and suggested on that service's next incidents. One per incident is the
    schema's: saving twice cannot make two."""

    __tablename__ = "play"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
