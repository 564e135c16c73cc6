"""Escalating incidents: an incident starts from a snapshot of its service's policy when it
opens, the engine fires each due step (pages through notifications/pages), acknowledging or
resolving stops it and cancels pending pages, and an acknowledgement that times out returns
the incident to triggered and starts again from the first step.

Races: the engine locks an escalation row and then its incident with SKIP LOCKED (PostgreSQL),
so an acknowledgement in flight makes the engine leave the incident for the next tick; an
acknowledgement that starts after the engine took the incident waits for it, then cancels the
pages it wrote (stop() updates the escalation row first, then cancels). SQLite has one writer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.calendars import queries as calendar_queries
from onwatch.calendars.deadlines import AckRules
from onwatch.calendars.hours import Calendar, is_open, next_change
from onwatch.calendars.models import StoredCalendar
from onwatch.calendars.specs import ack_rules_from_spec, calendar_from_spec
from onwatch.core.clock import ensure_utc
from onwatch.directory.models import Service
from onwatch.escalation import plan
from onwatch.escalation.models import EscalationPolicy, IncidentEscalation, SlaBreach
from onwatch.escalation.specs import ACK_DEADLINE, PolicySpec
from onwatch.escalation.targets import Reach, Resolver
from onwatch.incidents.models import DONE_STATUSES, Incident, TimelineEntry
from onwatch.notifications.outbox import cancel_pages
from onwatch.notifications.pages import notify_channel, page_person
from onwatch.schedules.models import ScheduleService, StoredSchedule

ACTOR = "escalation"
WAITING = ("active", "held", "acknowledged")
# A due step not fired this long after it was due counts as late (metric, heartbeat).
LATE_AFTER = timedelta(seconds=30)


def _note(session: Session, incident_id: int, kind: str, text: str, now: datetime, **data: Any):
    session.add(
        TimelineEntry(incident_id=incident_id, at=now, kind=kind, actor=ACTOR, text=text, data=data)
    )


def coverage_name(session: Session, service_id: int) -> str | None:
    """The coverage calendar of the first schedule answering the service that has one."""
    found = session.execute(
        select(StoredCalendar.name)
        .join(StoredSchedule, StoredSchedule.coverage_calendar_id == StoredCalendar.id)
        .join(ScheduleService, ScheduleService.schedule_id == StoredSchedule.id)
        .where(ScheduleService.service_id == service_id)
        .order_by(StoredSchedule.name)
        .limit(1)
    ).scalar()
    return found


def load_calendar(session: Session, name: str | None) -> tuple[Calendar | None, AckRules | None]:
    if name is None:
        return None, None
    row = calendar_queries.calendar_row(session, name)
    if row is None:
        return None, None
    spec = calendar_queries.calendar_spec(row)
    rules = ack_rules_from_spec(spec.ack_deadlines) if spec.ack_deadlines else None
    return calendar_from_spec(spec), rules


def start(session: Session, incident: Incident, now: datetime) -> IncidentEscalation | None:
    """Take the snapshot of the service's policy for a new incident and make its first step due
    now (the engine fires it), or hold it until the service's hours begin (low urgency outside
    coverage). None when the service names no policy."""
    service = session.get(Service, incident.service_id)
    if service is None or service.escalation_policy is None:
        return None
    policy = session.scalar(
        select(EscalationPolicy).where(EscalationPolicy.name == service.escalation_policy)
    )
    if policy is None:
        _note(
            session,
            incident.id,
            "escalation",
            f"Escalation policy {service.escalation_policy} does not exist; nobody is paged",
            now,
        )
        return None
    spec = PolicySpec.model_validate(policy.spec)
    # The calendar of ack deadlines (and of the calendar urgency rule): the service's own, else
    # its schedule's coverage. Read only what this incident needs.
    coverage = service.calendar is None or service.urgency in ("low", "severity", "calendar")
    covered_by = coverage_name(session, service.id) if coverage else None
    deadline_name = service.calendar or covered_by
    deadline_calendar = None
    if service.urgency == "calendar":
        deadline_calendar = load_calendar(session, deadline_name)[0]
    urgency = plan.urgency_of(service.urgency, incident.severity, deadline_calendar, now)
    row = IncidentEscalation(
        incident_id=incident.id,
        policy_name=policy.name,
        snapshot=spec.model_dump(mode="json"),
        urgency=urgency,
        state="active",
        round=0,
        loop=0,
        step=-1,
        next_at=now,
        calendar=deadline_name,
        ack_timeout_seconds=int(spec.ack_timeout.total_seconds()) if spec.ack_timeout else None,
        reached={},
        updated_at=now,
    )
    text = f"Escalating by policy {policy.name} ({urgency} urgency)"
    hours = load_calendar(session, covered_by)[0] if urgency == "low" and covered_by else None
    if hours is not None and not is_open(hours, now):
        opens_at = next_change(hours, now)
        row.state, row.next_at = "held", opens_at
        text = (
            f"Low urgency outside the service's hours: held until {_local(opens_at, hours)}"
            if opens_at is not None
            else "Low urgency and the service's hours never begin: nobody is paged"
        )
        if opens_at is None:
            row.state = "done"
    session.add(row)
    _note(session, incident.id, "escalation", text, now, policy=policy.name, urgency=urgency)
    return row


def _local(at: datetime, hours: Calendar) -> str:
    zone = ZoneInfo("UTC")
    if hours.windows:
        zone = hours.windows[0].time_zone
    return ensure_utc(at).astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def stop(
    session: Session,
    incident: Incident,
    now: datetime,
    *,
    acknowledged: bool,
    reason: str | None = None,
) -> None:
    """The incident was acknowledged or resolved: no further step fires (an acknowledgement
    with an ack timeout waits for it instead), and pages not yet handed to a sender are
    cancelled. The escalation row is written before the pages are cancelled, so an engine step
    holding it finishes first and its pages are cancelled too."""
    row = session.get(IncidentEscalation, incident.id)
    # An acknowledgement starts the ack timeout even after the last step fired ("done").
    if row is not None and (row.state in WAITING or (acknowledged and row.state == "done")):
        if acknowledged and row.ack_timeout_seconds:
            row.state = "acknowledged"
            row.next_at = now + timedelta(seconds=row.ack_timeout_seconds)
        else:
            row.state, row.next_at = "stopped", None
        row.deadline_at, row.updated_at = None, now
        session.flush()
    reason = reason or ("acknowledged" if acknowledged else "resolved")
    cancel_pages(session, incident.id, f"incident {reason}")


def restart(session: Session, incident: Incident, now: datetime) -> None:
    """A reopened, triggered incident escalates again from the first step (a new round)."""
    row = session.get(IncidentEscalation, incident.id)
    if row is None or incident.status != "triggered":
        return
    row.round += 1
    row.state, row.loop, row.step, row.next_at = "active", 0, -1, now
    row.deadline_at, row.updated_at = None, now


def next_due(session: Session) -> datetime | None:
    """When the engine next has an escalation to act on; None when none waits."""
    return session.scalar(
        select(func.min(IncidentEscalation.next_at)).where(
            IncidentEscalation.state.in_(WAITING), IncidentEscalation.next_at.is_not(None)
        )
    )


def late_count(session: Session, now: datetime, late_after: timedelta = LATE_AFTER) -> int:
    """Escalations due more than `late_after` ago and not acted on (onwatch_escalations_late)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(IncidentEscalation)
            .where(
                IncidentEscalation.state.in_(WAITING),
                IncidentEscalation.next_at < now - late_after,
            )
        )
        or 0
    )


def fire_due(session: Session, now: datetime, batch: int = 200) -> int:
    """The engine step "escalations": act on every escalation due by `now`; how many."""
    stmt = (
        select(IncidentEscalation)
        .where(IncidentEscalation.state.in_(WAITING), IncidentEscalation.next_at <= now)
        .order_by(IncidentEscalation.next_at)
        .limit(batch)
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    if not rows:
        return 0
    incidents_stmt = select(Incident).where(Incident.id.in_([r.incident_id for r in rows]))
    if postgres:
        incidents_stmt = incidents_stmt.with_for_update(skip_locked=True)
    incidents = {i.id: i for i in session.scalars(incidents_stmt)}
    resolver = Resolver(session)
    calendars: dict[str | None, tuple[Calendar | None, AckRules | None]] = {}
    # Pages are inserted as each step fires; the rows' own changes are flushed together at the
    # end rather than before each insert.
    with session.no_autoflush:
        return _advance_all(session, resolver, rows, incidents, calendars, now)


def _advance_all(
    session: Session,
    resolver: Resolver,
    rows: list[IncidentEscalation],
    incidents: dict[int, Incident],
    calendars: dict[str | None, tuple[Calendar | None, AckRules | None]],
    now: datetime,
) -> int:
    done = 0
    for row in rows:
        incident = incidents.get(row.incident_id)
        if incident is None:  # an acknowledgement or resolution holds it: the next tick sees it
            continue
        if row.calendar not in calendars:
            calendars[row.calendar] = load_calendar(session, row.calendar)
        _advance(session, resolver, row, incident, now, calendars[row.calendar])
        done += 1
    return done


def _advance(
    session: Session,
    resolver: Resolver,
    row: IncidentEscalation,
    incident: Incident,
    now: datetime,
    calendar_and_rules: tuple[Calendar | None, AckRules | None],
) -> None:
    row.updated_at = now
    if incident.status in DONE_STATUSES:
        row.state, row.next_at = "stopped", None
        return
    if row.state == "acknowledged":
        if incident.status == "triggered":  # reopened or triggered again meanwhile
            row.state = "active"
        elif incident.status == "mitigated":  # the impact ended: the ack timeout is moot
            row.state, row.next_at = "stopped", None
            return
        else:
            timeout = timedelta(seconds=row.ack_timeout_seconds or 0)
            incident.status = "triggered"
            _note(
                session,
                incident.id,
                "ack_timeout",
                f"Still open {_minutes(timeout)} after the acknowledgement: triggered again, "
                "escalating from the first step",
                now,
            )
            row.round += 1
            row.state, row.loop, row.step, row.deadline_at = "active", 0, -1, None
    elif incident.status in ("acknowledged", "mitigated"):
        row.state, row.next_at = "stopped", None
        return
    if row.state == "held":
        row.state = "active"
        _note(session, incident.id, "escalation", "The service's hours began: notifying", now)
    policy = PolicySpec.model_validate(row.snapshot)
    if row.deadline_at is not None and row.deadline_at <= now:
        _breach(session, row, incident, now)
    calendar, rules = calendar_and_rules
    # A step that reaches nobody escalates at once: at most one pass of every step per call.
    for _ in range(plan.steps_in_a_pass(policy) + 1):
        position = (0, 0) if row.step < 0 else plan.next_position(policy, row.loop, row.step)
        if row.urgency == "low" and row.step >= 0:
            position = None  # low urgency notifies the first step and never escalates
        if position is None:
            row.state, row.next_at, row.deadline_at = "done", None, None
            if row.urgency == "high":
                _note(
                    session,
                    incident.id,
                    "escalation",
                    f"Escalation policy {row.policy_name} has no further step",
                    now,
                )
            return
        row.loop, row.step = position
        step = policy.steps[row.step]
        reach = _fire(session, resolver, row, incident, step, now)
        if reach.reached:
            wait = plan.step_wait(step.delay, rules, calendar, now)
            row.fired_at, row.next_at = now, now + wait
            row.deadline_at = now + wait if step.delay == ACK_DEADLINE else None
            if row.urgency == "low":
                row.state, row.next_at = "done", None
            return
    row.state, row.next_at = "done", None


def _fire(
    session: Session,
    resolver: Resolver,
    row: IncidentEscalation,
    incident: Incident,
    step: Any,
    now: datetime,
) -> Reach:
    reach = resolver.step(step, now)
    if step.round_robin and len(reach.people) > 1:
        turn = incident.id + row.round + row.loop
        keep = plan.round_robin(reach.people, turn)
        reach.reached = [r for r in reach.reached if r.kind == "channel" or r in keep]
    key = f"page:{incident.id}:{row.round}:{row.loop}:{row.step}"
    for reached in reach.reached:
        if reached.kind == "person":
            page_person(
                session,
                incident_id=incident.id,
                person_id=reached.id,
                urgency=row.urgency,
                key=key,
                at=now,
                now=now,
            )
        else:
            notify_channel(
                session,
                incident_id=incident.id,
                channel_id=reached.id,
                urgency=row.urgency,
                key=key,
                at=now,
                now=now,
            )
    label = f"Step {row.step + 1}" + (f" (repeat {row.loop})" if row.loop else "")
    for why in reach.nobody:
        _note(session, incident.id, "escalation", f"{label}: {why}", now, step=row.step)
    row.reached = {
        "step": row.step,
        "at": now.isoformat(),
        "targets": [{"kind": r.kind, "name": r.name, "via": r.via} for r in reach.reached],
    }
    if reach.reached:
        names = ", ".join(f"{r.name} ({r.via})" for r in reach.reached)
        verb = "notified" if row.urgency == "low" else "paged"
        _note(
            session,
            incident.id,
            "escalation",
            f"{label}: {verb} {names}",
            now,
            step=row.step,
            loop=row.loop,
            round=row.round,
        )
    elif reach.nobody:
        _note(session, incident.id, "escalation", f"{label} reached nobody: escalating", now)
    return reach


def _breach(session: Session, row: IncidentEscalation, incident: Incident, now: datetime) -> None:
    assert row.deadline_at is not None
    session.add(
        SlaBreach(
            incident_id=incident.id,
            kind="ack_deadline",
            step=row.step,
            round=row.round,
            loop=row.loop,
            deadline_at=row.deadline_at,
            recorded_at=now,
        )
    )
    waited = row.deadline_at - (row.fired_at or row.deadline_at)
    _note(
        session,
        incident.id,
        "sla_breach",
        f"SLA breach: not acknowledged within {_minutes(waited)} of step {row.step + 1}",
        now,
        deadline_at=row.deadline_at.isoformat(),
    )
    row.deadline_at = None


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def breaches(session: Session, incident_id: int) -> list[SlaBreach]:
    return list(
        session.scalars(
            select(SlaBreach).where(SlaBreach.incident_id == incident_id).order_by(SlaBreach.id)
        )
    )


def state_of(session: Session, incident_id: int) -> IncidentEscalation | None:
    return session.get(IncidentEscalation, incident_id)
