"""`onwatch oncall`: who is on call now or at an instant, in each schedule's own time zone or as
--json. Its own module, so that the quickest question imports only the lookups it needs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import typer

from onwatch.calendars.instants import parse_instant
from onwatch.cli.output import at_text, emit_items, table
from onwatch.cli.runtime import open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.core.errors import Invalid
from onwatch.schedules import lookups


def local(at: datetime | None, time_zone: str) -> str:
    """`Wed 2026-03-04 09:00 EST`: an instant as the schedule's people read it."""
    return at_text(at, ZoneInfo(time_zone), weekday=True)


def at_instant(text: str | None) -> datetime:
    return parse_instant(text, "--at") if text else SystemClock().now()


def oncall(
    schedule: str = typer.Argument(None, help="Only this schedule (default: every schedule)."),
    role: str = typer.Option(None, "--role", help="Only this role, e.g. primary."),
    at: str = typer.Option(None, "--at", help="ISO 8601 instant with its offset; default: now."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Who is on call now (or --at an instant): every role of every schedule, or of SCHEDULE."""
    db = open_database(settings())
    with reported(), db.read() as session:
        when = at_instant(at)
        if schedule is None:
            if role is not None:
                raise Invalid("name a schedule to ask about one role", "--role")
            found = lookups.everyone_on_call(session, when)
        else:
            found = lookups.on_call_at(session, schedule, when, role)
    if as_json:
        emit_items(found)
        return
    rows = []
    for entry in found:
        holder = entry.holder or ("nobody (off hours)" if entry.off_hours else "nobody (gap)")
        if entry.override is not None and entry.override.covered:
            holder += f" (covering {entry.override.covered})"
        rows.append([entry.schedule, entry.role, holder, local(entry.until, entry.time_zone)])
    table(["SCHEDULE", "ROLE", "ON CALL", "UNTIL"], rows, empty="no schedules")
