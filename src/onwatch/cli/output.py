"""How every command prints: --json is one JSON document (a list is `{"items": [...]}`,
instants are ISO 8601 in UTC with `Z`, keys snake_case); a table has a header row and columns
two spaces apart; every time shown carries its zone (`2026-03-04 14:00 UTC`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
from typing import Any

import typer
from pydantic import BaseModel

from onwatch.alerts.windows import duration_text

NONE = "—"


def emit(data: Any) -> None:
    """Print one JSON document: a mapping (one object, or a list as `{"items": [...]}`)."""
    typer.echo(json.dumps(data, indent=2, default=_json_value, ensure_ascii=False))


def emit_items(items: Iterable[Any], **more: Any) -> None:
    """A list command's --json: `{"items": [...]}`, plus its cursor when it pages."""
    emit({"items": list(items), **more})


def _json_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python")
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def instant(at: datetime) -> str:
    """`2026-03-04T14:00:00Z`: the instant in UTC, as the HTTP API writes it."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def at_text(at: datetime | None, zone: tzinfo = UTC, *, weekday: bool = False) -> str:
    """`2026-03-04 14:00 UTC`, or in `zone` with its abbreviation (`Wed 2026-03-04 09:00 EST`
    with weekday); a dash for no time."""
    if at is None:
        return NONE
    local = at.astimezone(zone)
    return local.strftime(("%a " if weekday else "") + "%Y-%m-%d %H:%M ") + _zone_name(local)


def _zone_name(local: datetime) -> str:
    name = local.tzname() or ""
    # A bare offset (an instant typed as 09:00-05:00) has no abbreviation: say it as UTC-05:00.
    return "UTC" if name in ("UTC", "UTC+00:00") else name


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str) -> None:
    """Columns under a header row, each as wide as its widest cell, two spaces apart (None shows
    as a dash); `empty` (a sentence) instead when there are no rows."""
    cells = [[NONE if v is None else str(v) for v in row] for row in rows]
    if not cells:
        typer.echo(empty)
        return
    lines = [list(headers), *cells]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    for line in lines:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def fields(data: Mapping[str, Any], names: Sequence[str]) -> None:
    """`  name:  value` lines for one object's fields that have a value."""
    shown = [(n, data[n]) for n in names if data.get(n) not in (None, "")]
    width = max((len(n) for n, _ in shown), default=0) + 2
    for name, value in shown:
        text = at_text(value) if isinstance(value, datetime) else str(value)
        typer.echo(f"  {name + ':':<{width}}{text}")
