"""Stored schedules: layers as their declared spec, the people and calendars they name as rows with
foreign keys, overrides as rows, recorded hand-offs and the secret tokens of iCal feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

ORIGINS = ("config", "runtime")


class StoredSchedule(Base):
    __tablename__ = "schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    # {"layers": [LayerSpec dumps]}: read back through the spec, checked like a config file.
    layers: Mapped[dict[str, Any]]
    coverage_calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendar.id"))
    updated_at: Mapped[datetime]


class ScheduleMember(Base):
    """Everyone a schedule's layers name. The foreign key refuses to delete a person who is still
    on a schedule, so a rotation never points at nobody."""

    __tablename__ = "schedule_member"

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)


class ScheduleCalendar(Base):
    """Every calendar a schedule uses (coverage or a layer's restriction): one still in use
    cannot be deleted."""

    __tablename__ = "schedule_calendar"

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), primary_key=True
    )
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id"), primary_key=True)


class ScheduleService(Base):
    """A service whose incidents this schedule answers: the incident page shows who holds each
    of its roles now. A service still named here cannot be deleted."""

    __tablename__ = "schedule_service"

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True, index=True)
    position: Mapped[int]


class ScheduleOverride(Base):
    """`covering` takes over from `covered` (or in `role`) over [start_at, end_at). `origin`
    "config" rows are managed by `apply`; "runtime" rows, added by people through the API, CLI or
    UI, are never pruned by it. Config rows keep their file order in `position` and the
    declared `declared_at`, runtime rows their `created_at`: together they order overrides of
    overrides."""

    __tablename__ = "schedule_override"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("covered_person_id IS NOT NULL OR role IS NOT NULL", name="covers_someone"),
        CheckConstraint(
            "covered_person_id IS NULL OR covered_person_id <> covering_person_id",
            name="not_self",
        ),
        CheckConstraint("origin IN ('config', 'runtime')", name="known_origin"),
        Index("ix_schedule_override_window", "schedule_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    covering_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    covered_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(64))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")
    author: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    declared_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class HandOffEvent(Base):
    """A hand-off as it happened: `role` of the schedule passed from `outgoing` to `incoming`
    (handles; None is nobody) at `at`. Unique per (schedule, role, at), so an engine that looks
    at the same stretch twice, or two engines at once, record it once."""

    __tablename__ = "handoff"
    __table_args__ = (UniqueConstraint("schedule_id", "role", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    # Handles, not foreign keys: a hand-off is history, and history outlives people.
    outgoing: Mapped[str | None] = mapped_column(String(64))
    incoming: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class FeedToken(Base):
    """The secret in an iCal feed's URL, for one schedule or one person; only its hash is kept.
    One per feed: rotating replaces it, and the old URL stops working."""

    __tablename__ = "feed_token"
    __table_args__ = (
        CheckConstraint("(schedule_id IS NULL) <> (person_id IS NULL)", name="one_feed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
