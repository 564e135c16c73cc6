"""Questions people ask of stored schedules (who is on call, the shifts and gaps of a range, the
next hand-off, the overrides), loaded through one session and answered by the pure modules, in
the shapes the API, CLI and pages show."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.calendars.hours import is_open
from onwatch.calendars.instants import parse_instant
from onwatch.core.errors import FieldError, Invalid
from onwatch.directory import queries as directory_queries
from onwatch.schedules import queries
from onwatch.schedules.coverage import local_text
from onwatch.schedules.oncall import Schedule, Shift, gaps, next_handoff, resolved_shifts
from onwatch.schedules.overrides import Override

MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(weeks=4)
_TICK = timedelta(microseconds=1)


class Cover(BaseModel):
    """The override that put someone on call."""

    id: str
    covered: str | None
    reason: str


class OnCall(BaseModel):
    schedule: str
    time_zone: str  # the schedule's, in which its people read times
    role: str
    holder: str | None  # None: nobody
    # Nobody holds it, but the schedule's coverage calendar is closed: by design, not a gap.
    off_hours: bool = False
    until: datetime | None  # the next hand-off of this role, if one is within a year
    override: Cover | None = None

    def until_local(self) -> str:
        """`until` as the schedule's people read it."""
        return local_text(self.until, ZoneInfo(self.time_zone)) if self.until else ""


class ShiftView(BaseModel):
    role: str
    holder: str | None
    start_at: datetime
    end_at: datetime
    override: Cover | None = None


class Shifts(BaseModel):
    schedule: str
    time_zone: str
    start_at: datetime
    end_at: datetime
    shifts: list[ShiftView]


class HandOffView(BaseModel):
    schedule: str
    role: str
    at: datetime
    outgoing: str | None
    incoming: str | None


class OverrideView(BaseModel):
    id: int
    schedule: str
    covering: str
    covered: str | None
    role: str | None
    start_at: datetime
    end_at: datetime
    reason: str
    author: str
    origin: str  # "config" (managed by apply) or "runtime" (added by someone)
    created_at: datetime


def on_call_at(session: Session, name: str, at: datetime, role: str | None = None) -> list[OnCall]:
    """Who holds each role (or only `role`) of schedule `name` at `at`."""
    loaded = queries.Schedules(session)
    schedule = loaded.get(name, since=at)
    roles = [role] if role is not None else list(schedule.roles)
    return [_on_call(schedule, loaded.time_zone(name), r, at) for r in roles]


def everyone_on_call(session: Session, at: datetime) -> list[OnCall]:
    """Every role of every schedule at `at`, by schedule name."""
    loaded = queries.Schedules(session)
    return [
        _on_call(schedule, loaded.time_zone(schedule.name), role, at)
        for schedule in loaded.all(since=at)
        for role in schedule.roles
    ]


def on_call_for_service(session: Session, service_id: int, at: datetime) -> list[OnCall]:
    """Every role of each schedule that answers the service's incidents (`services:` of a
    schedule) at `at`; empty when no schedule does."""
    loaded = queries.Schedules(session)
    return [
        _on_call(schedule, loaded.time_zone(name), role, at)
        for name in queries.answering_for(session, service_id)
        for schedule in [loaded.get(name, since=at)]
        for role in schedule.roles
    ]


def shifts_between(
    session: Session,
    name: str,
    start: str | None,
    end: str | None,
    now: datetime,
    role: str | None = None,
) -> Shifts:
    """The resolved shifts of each role (or `role`) over the range, gaps included (holder None).
    `start` and `end` are as typed (ISO 8601 or a date in the schedule's zone); the range
    defaults to four weeks from now and may not exceed a year."""
    loaded = queries.Schedules(session)
    zone = ZoneInfo(loaded.time_zone(name))
    start_at, end_at = parse_range(start, end, now, zone)
    schedule = loaded.get(name, since=start_at)
    roles = [role] if role is not None else list(schedule.roles)
    found = [
        _shift_view(shift)
        for r in roles
        for shift in resolved_shifts(schedule, r, start_at, end_at)
    ]
    found.sort(key=lambda s: (s.start_at, roles.index(s.role)))
    return Shifts(schedule=name, time_zone=zone.key, start_at=start_at, end_at=end_at, shifts=found)


def gaps_between(
    session: Session, name: str, start: str | None, end: str | None, now: datetime
) -> Shifts:
    """Stretches nobody covers over the range (within the schedule's coverage calendar)."""
    loaded = queries.Schedules(session)
    zone = ZoneInfo(loaded.time_zone(name))
    start_at, end_at = parse_range(start, end, now, zone)
    schedule = loaded.get(name, since=start_at)
    found = [
        _shift_view(gap)
        for role in schedule.roles
        for gap in gaps(schedule, role, start_at, end_at)
    ]
    found.sort(key=lambda s: (s.start_at, s.role))
    return Shifts(schedule=name, time_zone=zone.key, start_at=start_at, end_at=end_at, shifts=found)


def coming_handoff(
    session: Session, name: str, at: datetime, role: str | None = None
) -> HandOffView | None:
    """The first hand-off after `at` (of `role`, or of any role), within a year."""
    schedule = queries.Schedules(session).get(name, since=at)
    found = next_handoff(schedule, at, role)
    if found is None:
        return None
    return HandOffView(
        schedule=name,
        role=found.role,
        at=found.at,
        outgoing=found.outgoing,
        incoming=found.incoming,
    )


def recorded_handoffs(
    session: Session, name: str, start: str | None, end: str | None, now: datetime
) -> list[HandOffView]:
    """Hand-offs the engine recorded over the range (default: the four weeks up to now)."""
    row = queries.get_schedule_row(session, name)
    zone = ZoneInfo(row.time_zone)
    start_at, end_at = parse_range(
        start or (now - DEFAULT_RANGE).isoformat(), end or now.isoformat(), now, zone
    )
    return [
        HandOffView(schedule=name, role=h.role, at=h.at, outgoing=h.outgoing, incoming=h.incoming)
        for h in queries.recorded_handoffs(session, row.id, start_at, end_at)
    ]


def overrides_of(session: Session, name: str, since: datetime) -> list[OverrideView]:
    """The schedule's overrides still running at or after `since`, in the order they apply."""
    row = queries.get_schedule_row(session, name)
    handle_of = directory_queries.handles(session)
    return [
        OverrideView(
            id=o.id,
            schedule=name,
            covering=handle_of[o.covering_person_id],
            covered=handle_of.get(o.covered_person_id or 0),
            role=o.role,
            start_at=o.start_at,
            end_at=o.end_at,
            reason=o.reason,
            author=o.author,
            origin=o.origin,
            created_at=o.created_at,
        )
        for o in queries.override_rows(session, row.id, since=since)
    ]


def parse_range(
    start: str | None, end: str | None, now: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """[from, to) from what was typed; every problem names `from` or `to`."""
    errors: list[FieldError] = []
    start_at, end_at = now, None
    for field, text in (("from", start), ("to", end)):
        if text is None or not text.strip():
            continue
        try:
            instant = parse_instant(text, field, zone)
        except Invalid as error:
            errors += error.errors
            continue
        if field == "from":
            start_at = instant
        else:
            end_at = instant
    if errors:
        raise Invalid(errors)
    end_at = end_at if end_at is not None else start_at + DEFAULT_RANGE
    if end_at <= start_at:
        raise Invalid("must be after from", "to")
    if end_at - start_at > MAX_RANGE:
        raise Invalid(f"the range may span at most {MAX_RANGE.days} days", "to")
    return start_at, end_at


def _on_call(schedule: Schedule, time_zone: str, role: str, at: datetime) -> OnCall:
    [current] = resolved_shifts(schedule, role, at, at + _TICK)
    upcoming = next_handoff(schedule, at, role)
    return OnCall(
        schedule=schedule.name,
        time_zone=time_zone,
        role=role,
        holder=current.holder,
        off_hours=current.holder is None
        and schedule.coverage is not None
        and not is_open(schedule.coverage, at),
        until=upcoming.at if upcoming is not None else None,
        override=_cover(current.override),
    )


def _shift_view(shift: Shift) -> ShiftView:
    return ShiftView(
        role=shift.role,
        holder=shift.holder,
        start_at=shift.start_at,
        end_at=shift.end_at,
        override=_cover(shift.override),
    )


def _cover(override: Override | None) -> Cover | None:
    if override is None:
        return None
    return Cover(id=override.id, covered=override.covered, reason=override.reason)
