"""`onwatch schedules`, `overrides` and `calendars`: shifts, cover and business hours from the
operator's shell, as text in each schedule's own time zone or as --json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError

from onwatch.calendars import queries as calendar_queries
from onwatch.calendars.fields import duration_text, invalid_from
from onwatch.calendars.instants import parse_instant
from onwatch.calendars.status import calendar_status
from onwatch.cli.oncall import at_instant, local
from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, open_database, public_url, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.core.errors import FieldError, Invalid
from onwatch.schedules import actions, lookups, queries
from onwatch.schedules.specs import NewOverrideSpec

schedules = typer.Typer(no_args_is_help=True, help="On-call schedules: shifts and feeds.")
overrides = typer.Typer(no_args_is_help=True, help="Cover for someone: overrides of a schedule.")
calendars = typer.Typer(no_args_is_help=True, help="Business hours and acknowledgement deadlines.")

# The options people type, by the field an error names.
FLAGS = {
    "start_at": "--from",
    "end_at": "--to",
    "covering": "--covering",
    "covered": "--covered",
    "role": "--role",
}


@schedules.command("list")
def list_schedules(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every schedule with its zone and roles."""
    db = open_database(settings())
    with reported(), db.read() as session:
        specs = queries.schedule_specs(session)
    if as_json:
        emit_items(spec.model_dump(mode="json", exclude_defaults=True) for spec in specs)
        return
    rows = []
    for spec in specs:
        roles = ", ".join(dict.fromkeys(r for layer in spec.layers for r in layer.roles))
        rows.append([spec.name, spec.time_zone, roles, len(spec.layers)])
    table(["SCHEDULE", "TIME ZONE", "ROLES", "LAYERS"], rows, empty="no schedules")


@schedules.command("show")
def show_schedule(
    name: str = typer.Argument(..., help="The schedule."),
    start: str = typer.Option(None, "--from", help="ISO 8601, or a date (midnight there)."),
    end: str = typer.Option(None, "--to", help="Default: four weeks after --from."),
    role: str = typer.Option(None, "--role", help="Only this role."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The resolved shifts of SCHEDULE over a range (default: the next four weeks), overrides
    and gaps included, times in the schedule's zone."""
    db = open_database(settings())
    with reported(), db.read() as session:
        found = lookups.shifts_between(session, name, start, end, SystemClock().now(), role)
    if as_json:
        emit(found)
        return
    typer.echo(
        f"{found.schedule} ({found.time_zone}), {local(found.start_at, found.time_zone)} "
        f"to {local(found.end_at, found.time_zone)}"
    )
    rows = []
    for shift in found.shifts:
        note = ""
        if shift.override is not None:
            covering = f" for {shift.override.covered}" if shift.override.covered else ""
            note = f"override{covering}" + (
                f": {shift.override.reason}" if shift.override.reason else ""
            )
        rows.append(
            [
                shift.role,
                shift.holder or "nobody (gap)",
                local(shift.start_at, found.time_zone),
                local(shift.end_at, found.time_zone),
                note,
            ]
        )
    table(["ROLE", "ON CALL", "FROM", "TO", "NOTE"], rows, empty="no shifts")


@schedules.command("feed")
def issue_feed(
    name: str = typer.Argument(None, help="The schedule whose feed to issue."),
    person: str = typer.Option(None, "--person", help="Issue the feed of this person instead."),
) -> None:
    """Print a new secret iCal URL (shown once) for a schedule or a person's shifts; the
    previous URL stops working."""
    if (name is None) == (person is None):
        with reported():
            raise Invalid("name a schedule or give --person, not both", "SCHEDULE")
    config = settings()
    db = open_database(config)
    with reported(), db.transaction() as session:
        kind, key = ("people", person) if person else ("schedules", name)
        issued = actions.issue_feed_token(
            session, kind, key, actor=actor(), now=SystemClock().now()
        )
    typer.echo(f"{public_url(config)}/ical/{issued.kind}/{issued.key}.ics?token={issued.token}")


@overrides.command("add")
def add_override(
    schedule: str = typer.Argument(..., help="The schedule."),
    covering: str = typer.Option(..., "--covering", help="Handle of who takes over."),
    covered: str = typer.Option(None, "--covered", help="Handle of who is away."),
    role: str = typer.Option(None, "--role", help="Only this role (alone: whoever holds it)."),
    start: str = typer.Option(..., "--from", help="ISO 8601, or a date (midnight there)."),
    end: str = typer.Option(..., "--to", help="ISO 8601, or a date (midnight there)."),
    reason: str = typer.Option("", "--reason", help="PTO, appointment, no-laptops meeting…"),
) -> None:
    """Someone covers a person (or a role) of SCHEDULE from --from to --to."""
    db = open_database(settings())
    with reported(), _flags(), db.transaction() as session:
        now = SystemClock().now()
        zone = ZoneInfo(queries.get_schedule_row(session, schedule).time_zone)
        errors: list[FieldError] = []
        instants: dict[str, datetime] = {}
        for field, text in (("start_at", start), ("end_at", end)):
            try:
                instants[field] = parse_instant(text, field, zone)
            except Invalid as error:
                errors += error.errors
        if errors:
            raise Invalid(errors)
        try:
            spec = NewOverrideSpec(
                covering=covering, covered=covered, role=role, reason=reason, **instants
            )
        except ValidationError as error:
            raise invalid_from(error) from None
        override_id = actions.add_override(session, schedule, spec, actor=actor(), now=now).id
    start_at, end_at = (at_text(at, zone, weekday=True) for at in (spec.start_at, spec.end_at))
    typer.echo(
        f"added override {override_id} to {schedule}: {covering} from {start_at} to {end_at}"
    )


@overrides.command("list")
def list_overrides(
    schedule: str = typer.Argument(..., help="The schedule."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Overrides of SCHEDULE that are running or to come, in the order they apply."""
    db = open_database(settings())
    with reported(), db.read() as session:
        found = lookups.overrides_of(session, schedule, SystemClock().now())
        zone = queries.get_schedule_row(session, schedule).time_zone
    if as_json:
        emit_items(found)
        return
    rows = []
    for o in found:
        whom = " / ".join(x for x in (o.covered, o.role) if x)
        by = o.author if o.origin == "runtime" else "config file"
        rows.append(
            [
                str(o.id),
                o.covering,
                whom,
                local(o.start_at, zone),
                local(o.end_at, zone),
                by,
                o.reason,
            ]
        )
    table(
        ["ID", "COVERING", "FOR", "FROM", "TO", "BY", "REASON"],
        rows,
        empty="no overrides running or to come",
    )


@overrides.command("remove")
def remove_override(
    schedule: str = typer.Argument(..., help="The schedule."),
    override_id: int = typer.Argument(..., help="The override's id (see `overrides list`)."),
) -> None:
    """Remove an override added at run time."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        actions.delete_override(
            session, schedule, override_id, actor=actor(), now=SystemClock().now()
        )
    typer.echo(f"removed override {override_id} from {schedule}")


@calendars.command("list")
def list_calendars(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every calendar with its zone, hours, holidays and acknowledgement deadlines."""
    db = open_database(settings())
    with reported(), db.read() as session:
        specs = calendar_queries.calendar_specs(session)
    if as_json:
        emit_items(spec.model_dump(mode="json", exclude_defaults=True) for spec in specs)
        return
    rows = []
    for spec in specs:
        hours = "; ".join(
            f"{' '.join(h['days'])} {h['opens']}-{h['closes']}"
            for h in spec.model_dump(mode="json")["hours"]
        )
        holidays = spec.holidays.country if spec.holidays else ""
        if spec.holidays and spec.holidays.subdivision:
            holidays += f"-{spec.holidays.subdivision}"
        rules = spec.ack_deadlines
        ack = (
            f"{duration_text(rules.inside_hours)} in, {duration_text(rules.outside_hours)} out"
            if rules
            else ""
        )
        rows.append([spec.name, spec.time_zone, hours, holidays, ack])
    headers = ["CALENDAR", "TIME ZONE", "HOURS", "HOLIDAYS", "ACK DEADLINE"]
    table(headers, rows, empty="no calendars")


@calendars.command("status")
def calendar_status_command(
    name: str = typer.Argument(..., help="The calendar."),
    at: str = typer.Option(None, "--at", help="ISO 8601 instant with its offset; default: now."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Whether calendar NAME is open, until when, and the acknowledgement deadline of
    something that arrives then."""
    db = open_database(settings())
    with reported(), db.read() as session:
        spec = calendar_queries.get_calendar_spec(session, name)
        found = calendar_status(spec, at_instant(at))
    deadline = duration_text(found.ack_deadline) if found.ack_deadline is not None else None
    if as_json:
        emit(
            {
                "calendar": found.calendar,
                "at": found.at,
                "open": found.is_open,
                "next_change_at": found.next_change_at,
                "holiday": found.holiday,
                "ack_deadline": deadline,
                "ack_due_at": found.ack_due_at,
            }
        )
        return
    zone = spec.time_zone
    state = "open" if found.is_open else "closed"
    if found.holiday:
        state += f" ({found.holiday})"
    typer.echo(f"{name} at {local(found.at, zone)}: {state}")
    change = "closes" if found.is_open else "opens"
    typer.echo(f"{change} {local(found.next_change_at, zone)}")
    if deadline is not None:
        typer.echo(f"acknowledge within {deadline}, by {local(found.ack_due_at, zone)}")


@contextmanager
def _flags() -> Iterator[None]:
    """Name the options people typed (--from) where an error names a field (start_at)."""
    try:
        yield
    except Invalid as error:
        found = [FieldError(FLAGS.get(e.field, e.field), e.message) for e in error.errors]
        raise Invalid(found) from None
