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
    # The holidays of the years around the one it was stored in, {"2026": {"2026-01-01": name}}:
    # readers (`onwatch oncall` above all) then need not load the holidays library, which
    # costs a tenth of a second. Other years are asked of the library.
    holidays: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
