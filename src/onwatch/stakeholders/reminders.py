"""The engine step of stakeholder communication: reminds an open incident's commander to send
an update, by severity (unless snoozed); reminds a critical incident's communications owner
before the first update's deadline, and records a breach when it lapses unsent. Snoozing the
reminders. Reminders are outbox rows of kind `reminder`, keyed by incident and instant, so two
engines write each once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.core.durations import duration_text
from onwatch.core.errors import Conflict, Invalid
from onwatch.directory.models import Person, Service, TeamRole
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import OPEN_STATUSES, Incident
from onwatch.notifications.outbox import Outgoing, write
from onwatch.notifications.rules import reaches
from onwatch.stakeholders import composer, policy, queries
from onwatch.stakeholders.models import IncidentComms

COMMANDER = "commander"
COMMUNICATIONS = "communications"
# Who is reminded of the first update's deadline when nobody holds `communications`: the
# commander, then the holder of this team role (seed 002's product manager).
TEAM_ROLE = "product_manager"
MAX_SNOOZE = timedelta(hours=24)
WATCHED = (*OPEN_STATUSES, "resolved")
BATCH = 500


def comms_row(session: Session, incident_id: int) -> IncidentComms:
    """The incident's row, made if missing (two engines may race to make it: one insert wins),
    locked on PostgreSQL so its decisions are made once."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(IncidentComms)
        .values(incident_id=incident_id)
        .on_conflict_do_nothing(index_elements=["incident_id"])
    )
    stmt = select(IncidentComms).where(IncidentComms.incident_id == incident_id)
    if dialect == "postgresql":
        stmt = stmt.with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def look_again(session: Session, incident_id: int, now: datetime) -> None:
    """Have the step decide the incident's reminders afresh at its next tick (an update was
    sent, a snooze set)."""
    comms_row(session, incident_id).next_at = now


def _watch_new(session: Session, now: datetime) -> None:
    """Give each incident the step has not seen (open, or resolved lately: it may still breach)
    a row, due now."""
    stmt = (
        select(Incident.id)
        .outerjoin(IncidentComms, IncidentComms.incident_id == Incident.id)
        .where(
            IncidentComms.incident_id.is_(None),
            or_(
                Incident.status.in_(OPEN_STATUSES),
                (Incident.status == "resolved") & (Incident.opened_at > now - policy.MAX_WITHIN),
            ),
        )
        .limit(BATCH)
    )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # The row's foreign key needs a key-share lock on its incident: an incident locked by a
        # transaction in flight (an acknowledgement) waits for the next tick instead of
        # holding up the whole engine.
        stmt = stmt.with_for_update(of=Incident, key_share=True, read=True, skip_locked=True)
    unseen = session.scalars(stmt).all()
    if not unseen:
        return
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(IncidentComms).on_conflict_do_nothing(index_elements=["incident_id"]),
        [{"incident_id": i, "next_at": now} for i in unseen],
    )


def next_due(session: Session) -> datetime | None:
    """When the step next has work (for the engine's sleep)."""
    return session.scalar(select(func.min(IncidentComms.next_at)))


def remind(session: Session, now: datetime) -> int:
    """The engine step: decides for each incident whose row is due what to remind or record,
    then when to look again. What it reminded or recorded."""
    _watch_new(session, now)
    stmt = (
        select(IncidentComms, Incident, Service.team_id)
        .join(Incident, Incident.id == IncidentComms.incident_id)
        .join(Service, Service.id == Incident.service_id)
        .where(IncidentComms.next_at <= now)
        .order_by(IncidentComms.next_at)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two engines share the work rather than deciding the same incident twice.
        stmt = stmt.with_for_update(of=IncidentComms, skip_locked=True)
    rows = session.execute(stmt).all()
    last = queries.last_update_at(session, [i.id for _, i, _ in rows])
    settings: dict[int | None, policy.Settings] = {}
    done = 0
    for comms, incident, team_id in rows:
        if team_id not in settings:
            settings[team_id] = queries.team_settings(session, team_id)
        done += _decide(session, comms, incident, team_id, settings[team_id], last, now)
    return done


def _decide(
    session: Session, comms: IncidentComms, incident: Incident, team_id: int | None,
    settings: policy.Settings, last: dict[int, datetime], now: datetime,
) -> int:  # fmt: skip
    if incident.status not in WATCHED:
        comms.next_at = None
        return 0
    due = policy.what_is_due(
        settings, severity=incident.severity, is_open=incident.status in OPEN_STATUSES,
        opened_at=incident.opened_at, last_update_at=last.get(incident.id),
        reminded_at=comms.reminded_at, snoozed_until=comms.snoozed_until,
        deadline_reminded_at=comms.deadline_reminded_at, breached_at=comms.breached_at,
        now=now,
    )  # fmt: skip
    done = 0
    if due.remind_commander:
        done += _remind_commander(session, incident, comms, settings, now)
    if due.remind_owner:
        done += _remind_owner(session, incident, comms, settings, team_id, now)
    if due.breach:
        _breach(session, incident, comms, settings, now)
        done += 1
    comms.next_at = due.next_at
    return done


def _reminder(
    session: Session, person_id: int, incident: Incident, key: str, title: str, text: str,
    now: datetime,
) -> int:  # fmt: skip
    person = session.get(Person, person_id)
    if person is None:
        return 0
    reach = reaches(person, "low")[0]
    return write(
        session,
        [
            Outgoing(
                key=key, kind="reminder", urgency="low", due_at=now,
                destination=reach.destination, label=f"{person.name} by {reach.label}: {title}",
                incident_id=incident.id, person_id=person.id,
                contact_method_id=reach.contact_method_id,
                payload={"title": title, "text": text},
            )
        ],
        now,
    )  # fmt: skip


def _remind_commander(
    session: Session, incident: Incident, comms: IncidentComms, settings: policy.Settings,
    now: datetime,
) -> int:  # fmt: skip
    comms.reminded_at = now
    commander = queries.role_holder(session, incident.id, COMMANDER)
    if commander is None:
        return 0
    every = duration_text(settings.update_every[incident.severity])
    return _reminder(
        session, commander, incident,
        f"stakeholders:remind:{incident.id}:{int(now.timestamp())}",
        f"Send a stakeholder update on #{incident.id} {incident.title}",
        f"As commander of this {incident.severity} incident, send stakeholders an update every "
        f"{every}: open the incident, write the current status under Stakeholder updates, and "
        "send it (or snooze this reminder there).",
        now,
    )  # fmt: skip


def communications_owner(session: Session, incident: Incident, team_id: int | None) -> int | None:
    """The communications role's holder (or backup), else the commander, else the holder of the
    team's product_manager role."""
    for role in (COMMUNICATIONS, COMMANDER):
        found = queries.role_holder(session, incident.id, role)
        if found is not None:
            return found
    if team_id is None:
        return None
    row = session.execute(
        select(TeamRole.person_id, TeamRole.backup_person_id).where(
            TeamRole.team_id == team_id, TeamRole.role == TEAM_ROLE
        )
    ).first()
    return row[0] if row is not None else None


def _remind_owner(
    session: Session, incident: Incident, comms: IncidentComms, settings: policy.Settings,
    team_id: int | None, now: datetime,
) -> int:  # fmt: skip
    comms.deadline_reminded_at = now
    deadline = policy.first_update_deadline(settings, incident.severity, incident.opened_at)
    assert deadline is not None
    owner = communications_owner(session, incident, team_id)
    due = _when(session, incident, deadline.due_at)
    name = session.get(Person, owner).name if owner is not None else None  # type: ignore[union-attr]
    incidents.note(
        session, incident, kind="update_deadline",
        text=f"Reminded {name or 'nobody (no communications owner)'}: the first stakeholder "
        f"update is due by {due}",
        actor="onwatch", now=now, data={"due_at": deadline.due_at.isoformat()},
    ).source = "engine"  # fmt: skip
    if owner is None:
        return 0
    return _reminder(
        session, owner, incident, f"stakeholders:deadline:{incident.id}",
        f"Stakeholder update due by {due}: #{incident.id} {incident.title}",
        f"This {incident.severity} incident's first stakeholder e-mail is due by {due}, within "
        f"{in_words(settings.within)} of its start. Send it from the incident's page.",
        now,
    )  # fmt: skip


def in_words(duration: timedelta) -> str:
    """ "24 hours", "90 minutes": a deadline as a sentence says it."""
    minutes = int(duration.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"
    return f"{minutes} minutes"


def _when(session: Session, incident: Incident, at: datetime) -> str:
    zone = queries.service_facts(session, incident.service_id).zone
    return composer.local_time(at, zone)


def _breach(
    session: Session, incident: Incident, comms: IncidentComms, settings: policy.Settings,
    now: datetime,
) -> None:  # fmt: skip
    deadline = policy.first_update_deadline(settings, incident.severity, incident.opened_at)
    assert deadline is not None
    comms.breached_at = deadline.due_at
    within = in_words(settings.within)
    incidents.note(
        session, incident, kind="update_breach",
        text=f"Breach: no stakeholder update within {within} of the start "
        f"(due by {_when(session, incident, deadline.due_at)})",
        actor="onwatch", now=now, data={"due_at": deadline.due_at.isoformat(), "within": within},
    ).source = "engine"  # fmt: skip
    incidents.audit(
        session, incident, "update_breach", "onwatch", now, None,
        {"due_at": deadline.due_at.isoformat(), "within": within},
    )  # fmt: skip


def snooze(
    session: Session, incident_id: int, duration: timedelta, *, actor: str, source: str,
    now: datetime,
) -> IncidentComms:  # fmt: skip
    """No update reminder until `now + duration` (at most a day)."""
    if duration <= timedelta(0) or duration > MAX_SNOOZE:
        raise Invalid(f"between 1m and {duration_text(MAX_SNOOZE)}", "duration")
    incident = incidents.get(session, incident_id)
    if incident.status not in OPEN_STATUSES:
        raise Conflict(f"incident {incident.id} is {incident.status}: no reminders to snooze")
    comms = comms_row(session, incident_id)
    before = comms.snoozed_until
    comms.snoozed_until, comms.snoozed_by = now + duration, actor
    comms.next_at = now
    text = f"Update reminders snoozed for {duration_text(duration)}"
    incidents.note(
        session, incident, kind="update_snooze", text=text, actor=actor, now=now,
        data={"until": comms.snoozed_until.isoformat()},
    ).source = source  # fmt: skip
    incidents.audit(
        session, incident, "update_snooze", actor, now,
        {"snoozed_until": before.isoformat() if before else None},
        {"snoozed_until": comms.snoozed_until.isoformat()},
    )  # fmt: skip
    return comms
