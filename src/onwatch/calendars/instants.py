"""Instants as people type them in a command or a query string: ISO 8601 with an offset (or Z),
or a bare date meaning midnight in a given zone. A wall time without a zone is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from onwatch.core.errors import Invalid

EXAMPLE = "2026-03-04T09:00-05:00, 2026-03-04T14:00Z or 2026-03-04"


def parse_instant(text: str, field: str, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant `text` names; a bare date is midnight in `zone` (refused without one)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if zone is None:
                raise Invalid(f"give a time with its UTC offset, such as {EXAMPLE}", field)
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"not a date or time: {text!r} (use ISO 8601, such as {EXAMPLE})", field
        ) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise Invalid(f"{text!r} has no UTC offset; add one, such as {EXAMPLE}", field)
    return instant.astimezone(UTC)
