"""Stored calendars: a name and the spec it was declared with (hours, holidays, extra dates and
acknowledgement deadlines), rebuilt into the pure `Calendar` when read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base


class StoredCalendar(Base):
    __tablename__ = "calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # CalendarSpec.model_dump(mode="json"): read back through the spec, so a stored calendar is
    # checked exactly like one in a config file.
    spec: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
