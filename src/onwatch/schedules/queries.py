"""Reading stored schedules: their specs (for export and the API), the pure `Schedule` built from
rows, overrides and recorded hand-offs. Takes a session, never commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.calendars import queries as calendar_queries
from onwatch.calendars.hours import Calendar
from onwatch.core.errors import NotFound
from onwatch.directory import queries as directory_queries
from onwatch.directory import rows as directory_rows
from onwatch.directory.models import Service
from onwatch.schedules.coverage import gap_warnings
from onwatch.schedules.models import (
    FeedToken,
    HandOffEvent,
    ScheduleOverride,
    ScheduleService,
    StoredSchedule,
)
from onwatch.schedules.oncall import Schedule
from onwatch.schedules.overrides import Override
from onwatch.schedules.specs import LayerSpec, OverrideSpec, ScheduleSpec, schedule_from_spec

# How far ahead `onwatch apply` looks for time nobody covers.
GAP_HORIZON = timedelta(weeks=4)


def schedule_row(session: Session, name: str) -> StoredSchedule | None:
    return session.scalar(select(StoredSchedule).where(StoredSchedule.name == name))


def get_schedule_row(session: Session, name: str) -> StoredSchedule:
    row = schedule_row(session, name)
    if row is None:
        raise NotFound(f"no schedule {name!r}")
    return row


def schedule_rows(session: Session) -> list[StoredSchedule]:
    return list(session.scalars(select(StoredSchedule).order_by(StoredSchedule.name)))


def override_rows(
    session: Session, schedule_id: int, *, origin: str | None = None, since: datetime | None = None
) -> list[ScheduleOverride]:
    """The schedule's overrides in the order they apply (config ones in file order, then those
    added at run time, oldest first); with `since`, only those still running after it."""
    stmt = select(ScheduleOverride).where(ScheduleOverride.schedule_id == schedule_id)
    if origin is not None:
        stmt = stmt.where(ScheduleOverride.origin == origin)
    if since is not None:
        stmt = stmt.where(ScheduleOverride.end_at > since)
    rows = session.scalars(stmt).all()
    return sorted(rows, key=lambda r: (r.origin != "config", r.position, r.created_at, r.id))


def override_spec(row: ScheduleOverride, handle_of: dict[int, str]) -> OverrideSpec:
    return OverrideSpec(
        covering=handle_of[row.covering_person_id],
        covered=handle_of[row.covered_person_id] if row.covered_person_id else None,
        role=row.role,
        start_at=row.start_at,
        end_at=row.end_at,
        reason=row.reason,
        created_at=row.declared_at,
    )


def schedule_spec(
    session: Session, row: StoredSchedule, handle_of: dict[int, str] | None = None
) -> ScheduleSpec:
    """The schedule as a config file declares it: layers and the overrides the file manages
    (overrides added at run time are not part of the declaration)."""
    overrides = override_rows(session, row.id, origin="config")
    if handle_of is None:
        named = {o.covering_person_id for o in overrides} | {o.covered_person_id for o in overrides}
        handle_of = directory_rows.handles_of(session, named - {None})
    coverage = None
    if row.coverage_calendar_id is not None:
        coverage = calendar_queries.calendar_names(session)[row.coverage_calendar_id]
    return ScheduleSpec(
        name=row.name,
        time_zone=row.time_zone,
        layers=[LayerSpec.model_validate(layer) for layer in row.layers["layers"]],
        overrides=[override_spec(o, handle_of) for o in overrides],
        coverage=coverage,
        services=list(
            session.scalars(
                select(Service.name)
                .join(ScheduleService, ScheduleService.service_id == Service.id)
                .where(ScheduleService.schedule_id == row.id)
                .order_by(ScheduleService.position)
            )
        ),
    )


def answering_for(session: Session, service_id: int) -> list[str]:
    """Names of the schedules that answer the service's incidents, by name."""
    return list(
        session.scalars(
            select(StoredSchedule.name)
            .join(ScheduleService, ScheduleService.schedule_id == StoredSchedule.id)
            .where(ScheduleService.service_id == service_id)
            .order_by(StoredSchedule.name)
        )
    )


def schedule_specs(session: Session) -> list[ScheduleSpec]:
    handle_of = directory_queries.handles(session)
    return [schedule_spec(session, row, handle_of) for row in schedule_rows(session)]


def pure_override(row: ScheduleOverride, handle_of: dict[int, str]) -> Override:
    # A declared override without its own instant sorts before every runtime one (created_at
    # None sorts first), so a cover someone adds at run time wins over the file's.
    return Override(
        covering=handle_of[row.covering_person_id],
        start_at=row.start_at,
        end_at=row.end_at,
        covered=handle_of[row.covered_person_id] if row.covered_person_id else None,
        role=row.role,
        reason=row.reason,
        created_at=row.declared_at if row.origin == "config" else row.created_at,
        id=str(row.id),
    )


class Schedules:
    """Schedules and calendars read through one session, each built into its pure form once.
    Make one per request or engine step: it caches for its own life only, so a change made
    elsewhere is seen by the next request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._calendars: dict[str, Calendar] | None = None
        self._handles: dict[int, str] | None = None
        self._built: dict[tuple[str, datetime | None], Schedule] = {}
        self._zones: dict[str, str] = {}

    @property
    def calendars(self) -> dict[str, Calendar]:
        if self._calendars is None:
            self._calendars = calendar_queries.calendars(self.session)
        return self._calendars

    @property
    def handles(self) -> dict[int, str]:
        if self._handles is None:
            self._handles = directory_queries.handles(self.session)
        return self._handles

    def names(self) -> list[str]:
        return list(self.session.scalars(select(StoredSchedule.name).order_by(StoredSchedule.name)))

    def get(self, name: str, since: datetime | None = None) -> Schedule:
        """The schedule called `name`; with `since`, overrides over by then are left out (they
        cannot change anything at or after it). NotFound when there is none."""
        key = (name, since)
        if key not in self._built:
            self._built[key] = self._build(get_schedule_row(self.session, name), since)
        return self._built[key]

    def time_zone(self, name: str) -> str:
        """The schedule's own zone (its layers' default), in which its people read times."""
        if name not in self._zones:
            self._zones[name] = get_schedule_row(self.session, name).time_zone
        return self._zones[name]

    def all(self, since: datetime | None = None) -> list[Schedule]:
        return [self.get(name, since) for name in self.names()]

    def _build(self, row: StoredSchedule, since: datetime | None) -> Schedule:
        self._zones[row.name] = row.time_zone
        spec = ScheduleSpec(
            name=row.name,
            time_zone=row.time_zone,
            layers=[LayerSpec.model_validate(layer) for layer in row.layers["layers"]],
            coverage=calendar_queries.calendar_names(self.session).get(
                row.coverage_calendar_id or 0
            ),
        )
        built = schedule_from_spec(spec, self.calendars)
        overrides = override_rows(self.session, row.id, since=since)
        return Schedule(
            built.name,
            built.layers,
            tuple(pure_override(o, self.handles) for o in overrides),
            built.coverage,
        )


def recorded_handoffs(
    session: Session, schedule_id: int, start_at: datetime, end_at: datetime
) -> list[HandOffEvent]:
    """Hand-offs recorded with start_at <= at < end_at, in time order."""
    return list(
        session.scalars(
            select(HandOffEvent)
            .where(
                HandOffEvent.schedule_id == schedule_id,
                HandOffEvent.at >= start_at,
                HandOffEvent.at < end_at,
            )
            .order_by(HandOffEvent.at, HandOffEvent.role)
        )
    )


def feed_token(session: Session, token_hash: str) -> FeedToken | None:
    return session.scalar(select(FeedToken).where(FeedToken.token_hash == token_hash))


def upcoming_gap_warnings(
    session: Session, specs: list[ScheduleSpec], now: datetime, within: timedelta = GAP_HORIZON
) -> list[str]:
    """Gap warnings for the schedules `specs` name over [now, now + within)."""
    loaded = Schedules(session)
    found = []
    for spec in specs:
        schedule = loaded.get(spec.name, since=now)
        found += gap_warnings(schedule, now, now + within, ZoneInfo(spec.time_zone))
    return found


def schedules_by_service(session: Session) -> dict[str, list[str]]:
    """The schedules that answer each service's incidents (`services:` of a schedule), by
    service name."""
    found: dict[str, list[str]] = {}
    for service, schedule in session.execute(
        select(Service.name, StoredSchedule.name)
        .join(ScheduleService, ScheduleService.service_id == Service.id)
        .join(StoredSchedule, StoredSchedule.id == ScheduleService.schedule_id)
        .order_by(Service.name, StoredSchedule.name)
    ):
        found.setdefault(service, []).append(schedule)
    return found
