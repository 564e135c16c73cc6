"""The tickets tables: a team's issue tracker (config `ticket_trackers:`), and each issue opened
in one for a subject (an incident; later an error issue), with its number and link once the
tracker answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

TRACKER_KINDS = ("github",)
# opening: the outbox row that opens it is not delivered yet (or is retrying); open: the
# tracker answered with its number and link; failed: the tracker refused it (a dead letter).
TICKET_STATES = ("opening", "open", "failed")
SUBJECT_KINDS = ("incident", "error_issue")


class TicketTracker(Base):
    """A team's issue tracker, one per team: a GitHub-compatible REST API (GitHub, GitHub
    Enterprise, Gitea, Forgejo) and a repository. `token` is a reference (env:NAME,
    file:/path), read when a call is sent, never the value."""

    __tablename__ = "ticket_tracker"
    __table_args__ = (CheckConstraint("kind IN ('github')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="github")
    api_url: Mapped[str] = mapped_column(String(500))
    repository: Mapped[str] = mapped_column(String(200))
    token_ref: Mapped[str] = mapped_column(String(1100))
    labels: Mapped[list[str]] = mapped_column(default=list)
    priority_labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The severities whose incidents open a ticket by themselves; empty: every severity.
    open_for: Mapped[list[str]] = mapped_column(default=list)


class Ticket(Base):
    """An issue opened for one subject in one tracker. Unique per subject and tracker, so an
    incident seen twice (two engines, a retried tick) still opens one issue."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("tracker_id", "subject_kind", "subject_id"),
        CheckConstraint("state IN ('opening', 'open', 'failed')", name="state"),
        CheckConstraint("subject_kind IN ('incident', 'error_issue')", name="subject_kind"),
        CheckConstraint("state <> 'open' OR number IS NOT NULL", name="open_has_number"),
        Index("ix_ticket_subject", "subject_kind", "subject_id"),  # a subject's tickets
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("ticket_tracker.id", ondelete="CASCADE"))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default="opening")
    # The outbox row that opens it: its state and last error say how the opening goes.
    open_key: Mapped[str] = mapped_column(String(255), unique=True)
    number: Mapped[int | None]
    html_url: Mapped[str | None] = mapped_column(String(2000))
    api_url: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[str | None] = mapped_column(String(2000))
    # The subject's changes up to this one are on the issue (the body or a comment): for an
    # incident, the id of its last timeline entry told.
    told_through: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime | None]
    # The last comment written: a subject that comments on repeats (an error issue) waits a
    # while between two.
    commented_at: Mapped[datetime | None]
