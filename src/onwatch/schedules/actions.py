"""Use cases on stored schedules: put and delete a schedule, add and remove an override, issue an
iCal feed token, and record hand-offs as they happen. Each loads, decides with the pure modules,
writes and audits in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.audit.actions import record, record_change
from onwatch.calendars import queries as calendar_queries
from onwatch.core import jobs
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.core.tokens import hash_secret, new_secret
from onwatch.directory import queries as directory_queries
from onwatch.directory.models import Person
from onwatch.schedules import queries
from onwatch.schedules.models import (
    FeedToken,
    HandOffEvent,
    ScheduleCalendar,
    ScheduleMember,
    ScheduleOverride,
    ScheduleService,
    StoredSchedule,
)
from onwatch.schedules.oncall import handoffs, next_handoff
from onwatch.schedules.overrides import Override
from onwatch.schedules.specs import NewOverrideSpec, OverrideSpec, ScheduleSpec, schedule_from_spec

HANDOFF_JOB = "schedule.handoffs"
# An engine that was down longer than this records only the most recent hand-offs: older ones
# are past notifying about, and the catch-up stays bounded.
CATCH_UP = timedelta(days=35)
# With no hand-off in sight (a one-person rotation), look again after this long anyway.
RECHECK = timedelta(days=30)


def put_schedule(
    session: Session, spec: ScheduleSpec, *, actor: str, now: datetime
) -> Change | None:
    """Create or update the schedule `spec` declares, with the overrides it declares (those
    added at run time stay). Every handle must name a person and every calendar a calendar."""
    calendar_ids = calendar_queries.calendar_ids(session)
    errors: list[FieldError] = []
    try:
        schedule_from_spec(spec, calendar_queries.calendars(session, _calendars_named(spec)))
    except Invalid as error:
        errors += error.errors
    person_ids, missing = directory_queries.person_ids(session, _handles_named(spec))
    errors += missing
    service_ids = {name: id_ for id_, name in directory_queries.service_names(session).items()}
    errors += [
        FieldError(f"services[{number}]", f"no service {name!r}")
        for number, name in enumerate(spec.services)
        if name not in service_ids
    ]
    if errors:
        raise Invalid(errors)

    spec = _in_utc(spec)
    row = queries.schedule_row(session, spec.name)
    before = queries.schedule_spec(session, row).model_dump(mode="json") if row else None
    after = spec.model_dump(mode="json")
    change = diff("schedule", spec.name, before, after)
    if change is None:
        return None
    if row is None:
        row = StoredSchedule(name=spec.name)
        session.add(row)
    row.time_zone, row.updated_at = spec.time_zone, now
    row.layers = {"layers": after["layers"]}
    row.coverage_calendar_id = calendar_ids[spec.coverage] if spec.coverage else None
    session.flush()
    _replace_links(session, row.id, spec, person_ids, calendar_ids, service_ids)
    session.execute(
        delete(ScheduleOverride).where(
            ScheduleOverride.schedule_id == row.id, ScheduleOverride.origin == "config"
        )
    )
    for position, override in enumerate(spec.overrides):
        session.add(_override_row(row.id, override, person_ids, actor, now, position))
    session.flush()
    _watch_handoffs(session, spec.name, now)
    record_change(session, change, actor=actor, at=now)
    return change


def delete_schedule(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    """Delete the schedule with its overrides, recorded hand-offs and feed token."""
    row = queries.get_schedule_row(session, name)
    change = deleted("schedule", name, queries.schedule_spec(session, row).model_dump(mode="json"))
    session.delete(row)
    session.flush()
    jobs.cancel(session, HANDOFF_JOB, name)
    record_change(session, change, actor=actor, at=now)
    return change


def add_override(
    session: Session, schedule_name: str, spec: NewOverrideSpec, *, actor: str, now: datetime
) -> ScheduleOverride:
    """Someone covers a person or a role of the schedule, from now on or later. It wins over
    every override made before it, and `apply` never removes it."""
    row = queries.get_schedule_row(session, schedule_name)
    schedule = queries.Schedules(session).get(schedule_name, since=now)
    errors: list[FieldError] = []
    if spec.role is not None and spec.role not in schedule.roles:
        known = ", ".join(schedule.roles)
        errors.append(
            FieldError("role", f"the schedule has no role {spec.role!r} (it has {known})")
        )
    if spec.end_at <= now:
        errors.append(FieldError("end_at", "is already past; an override changes what is to come"))
    try:
        Override(spec.covering, spec.start_at, spec.end_at, spec.covered, spec.role, spec.reason)
    except Invalid as error:
        errors += error.errors
    wanted = {"covering": spec.covering} | ({"covered": spec.covered} if spec.covered else {})
    person_ids, missing = directory_queries.person_ids(session, wanted)
    errors += missing
    if errors:
        raise Invalid(errors)
    override = ScheduleOverride(
        schedule_id=row.id,
        covering_person_id=person_ids[spec.covering],
        covered_person_id=person_ids[spec.covered] if spec.covered else None,
        role=spec.role,
        start_at=spec.start_at,
        end_at=spec.end_at,
        reason=spec.reason,
        author=actor,
        origin="runtime",
        created_at=now,
    )
    session.add(override)
    session.flush()
    _watch_handoffs(session, schedule_name, now)
    after = {"schedule": schedule_name, **_override_json(spec)}
    record(
        session,
        actor=actor,
        action="override.create",
        entity_type="override",
        entity_key=f"{schedule_name}/{override.id}",
        at=now,
        after=after,
    )
    return override


def delete_override(
    session: Session, schedule_name: str, override_id: int, *, actor: str, now: datetime
) -> None:
    """Remove an override added at run time (one declared in the config file is changed there)."""
    row = queries.get_schedule_row(session, schedule_name)
    override = session.get(ScheduleOverride, override_id)
    if override is None or override.schedule_id != row.id:
        raise NotFound(f"schedule {schedule_name!r} has no override {override_id}")
    if override.origin == "config":
        raise Invalid(
            "this override is declared in the config file; remove it there and apply the file",
            field="id",
        )
    before = {
        "schedule": schedule_name,
        **_override_json(queries.override_spec(override, _handles(session, override))),
    }
    session.delete(override)
    session.flush()
    _watch_handoffs(session, schedule_name, now)
    record(
        session,
        actor=actor,
        action="override.delete",
        entity_type="override",
        entity_key=f"{schedule_name}/{override_id}",
        at=now,
        before=before,
    )


@dataclass(frozen=True)
class IssuedFeed:
    """A feed token, shown once: only its hash is kept."""

    kind: str  # "schedules" or "people"
    key: str
    token: str


def issue_feed_token(
    session: Session, kind: str, key: str, *, actor: str, now: datetime
) -> IssuedFeed:
    """A new secret for the iCal feed of schedule `key` (kind "schedules") or person `key`
    ("people"). It replaces the feed's previous token, whose URL stops working at once."""
    if kind == "schedules":
        owner = {"schedule_id": queries.get_schedule_row(session, key).id}
    elif kind == "people":
        person = session.scalar(select(Person).where(Person.handle == key))
        if person is None:
            raise NotFound(f"no person {key!r}")
        owner = {"person_id": person.id}
    else:
        raise Invalid("must be schedules or people", field="kind")
    column = FeedToken.schedule_id if "schedule_id" in owner else FeedToken.person_id
    replaced = session.execute(delete(FeedToken).where(column == next(iter(owner.values()))))
    token = new_secret("owf")
    session.add(FeedToken(token_hash=hash_secret(token), created_at=now, created_by=actor, **owner))
    session.flush()
    record(
        session,
        actor=actor,
        action="feed_token.rotate" if replaced.rowcount else "feed_token.create",  # type: ignore[attr-defined]
        entity_type="feed_token",
        entity_key=f"{kind}/{key}",
        at=now,
    )
    return IssuedFeed(kind, key, token)


def record_due_handoffs(session: Session, now: datetime) -> int:
    """Engine step: for each schedule whose next hand-off is due, record the hand-offs since it
    last looked (once each: the table is unique by schedule, role and instant) and move its job
    to the next hand-off. Returns the number of hand-offs recorded."""
    recorded = 0
    for job in jobs.claim_due(session, [HANDOFF_JOB], now):
        try:
            with session.begin_nested():
                recorded += _record_handoffs(session, job, now)
        except Exception as error:
            jobs.retry_later(job, now, f"{type(error).__name__}: {error}")
    return recorded


def _record_handoffs(session: Session, job: jobs.Job, now: datetime) -> int:
    name = job.payload["schedule"]
    row = queries.schedule_row(session, name)
    if row is None:
        jobs.finish(session, job)
        return 0
    since = max(datetime.fromisoformat(job.payload["since"]), now - CATCH_UP)
    schedule = queries.Schedules(session).get(name, since=since)
    found = handoffs(schedule, since, now)
    if found:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        values = [
            {
                "schedule_id": row.id,
                "role": h.role,
                "at": h.at,
                "outgoing": h.outgoing,
                "incoming": h.incoming,
                "recorded_at": now,
            }
            for h in found
        ]
        session.execute(insert(HandOffEvent).values(values).on_conflict_do_nothing())
    upcoming = next_handoff(schedule, now)
    job.due_at = upcoming.at if upcoming is not None else now + RECHECK
    job.payload = {"schedule": name, "since": now.isoformat()}
    job.attempts, job.last_error = 0, None
    return len(found)


def _watch_handoffs(session: Session, name: str, now: datetime) -> None:
    """Have the engine look at the schedule now (its hand-offs may have moved), keeping the
    instant up to which hand-offs are already recorded."""
    pending = session.scalar(
        select(jobs.Job).where(jobs.Job.kind == HANDOFF_JOB, jobs.Job.key == name)
    )
    since = pending.payload.get("since") if pending is not None else None
    since = min(datetime.fromisoformat(since), now) if since else now
    jobs.schedule(
        session, HANDOFF_JOB, name, now, now, {"schedule": name, "since": since.isoformat()}
    )


def _handles_named(spec: ScheduleSpec) -> dict[str, str]:
    """{field path: handle} for every person the spec names."""
    wanted: dict[str, str] = {}
    for number, layer in enumerate(spec.layers):
        for position, handle in enumerate(layer.members):
            wanted[f"layers[{number}].members[{position}]"] = handle
        for position, change in enumerate(layer.member_changes):
            key = "add" if change.add else "remove"
            wanted[f"layers[{number}].member_changes[{position}].{key}"] = (
                change.add or change.remove or ""
            )
    for number, override in enumerate(spec.overrides):
        wanted[f"overrides[{number}].covering"] = override.covering
        if override.covered:
            wanted[f"overrides[{number}].covered"] = override.covered
    return wanted


def _calendars_named(spec: ScheduleSpec) -> set[str]:
    used = {spec.coverage} | {
        layer.restrict_to.calendar for layer in spec.layers if layer.restrict_to is not None
    }
    return {name for name in used if name}


def _handles(session: Session, override: ScheduleOverride) -> dict[int, str]:
    ids = {override.covering_person_id, override.covered_person_id} - {None}
    return dict(session.execute(select(Person.id, Person.handle).where(Person.id.in_(ids))).all())


def _replace_links(
    session: Session,
    schedule_id: int,
    spec: ScheduleSpec,
    person_ids: dict[str, int],
    calendar_ids: dict[str, int],
    service_ids: dict[str, int],
) -> None:
    for table in (ScheduleMember, ScheduleCalendar, ScheduleService):
        session.execute(delete(table).where(table.schedule_id == schedule_id))
    members = {
        h
        for layer in spec.layers
        for h in [*layer.members, *(c.add or c.remove for c in layer.member_changes)]
    }
    for handle in sorted(h for h in members if h):
        session.add(ScheduleMember(schedule_id=schedule_id, person_id=person_ids[handle]))
    for name in sorted(_calendars_named(spec)):
        session.add(ScheduleCalendar(schedule_id=schedule_id, calendar_id=calendar_ids[name]))
    for position, name in enumerate(spec.services):
        session.add(
            ScheduleService(
                schedule_id=schedule_id, service_id=service_ids[name], position=position
            )
        )
    session.flush()


def _override_row(
    schedule_id: int,
    spec: OverrideSpec,
    person_ids: dict[str, int],
    actor: str,
    now: datetime,
    position: int,
) -> ScheduleOverride:
    return ScheduleOverride(
        schedule_id=schedule_id,
        covering_person_id=person_ids[spec.covering],
        covered_person_id=person_ids[spec.covered] if spec.covered else None,
        role=spec.role,
        start_at=spec.start_at,
        end_at=spec.end_at,
        reason=spec.reason,
        author=actor,
        origin="config",
        position=position,
        declared_at=spec.created_at,
        created_at=now,
    )


def _in_utc(spec: ScheduleSpec) -> ScheduleSpec:
    """The spec with override instants in UTC, as they are stored and exported: the same
    instant written with another offset is no change."""
    overrides = [
        o.model_copy(
            update={
                "start_at": o.start_at.astimezone(UTC),
                "end_at": o.end_at.astimezone(UTC),
                "created_at": o.created_at.astimezone(UTC) if o.created_at else None,
            }
        )
        for o in spec.overrides
    ]
    return spec.model_copy(update={"overrides": overrides})


def _override_json(spec: NewOverrideSpec | OverrideSpec) -> dict[str, Any]:
    return spec.model_dump(
        mode="json", include={"covering", "covered", "role", "start_at", "end_at", "reason"}
    )
