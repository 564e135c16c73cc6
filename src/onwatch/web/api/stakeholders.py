"""Stakeholder communication over HTTP: an incident's status updates (send, preview, list),
its reminders (snooze) and first-update deadline; subscriber lists; release announcements.
Viewers read, responders act; every change is audited."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.core.durations import Duration
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import OPEN_STATUSES
from onwatch.stakeholders import announcements, lists, policy, queries, reminders, updates
from onwatch.stakeholders.models import IncidentComms, StatusUpdate
from onwatch.web.context import AppContext
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["stakeholders"])


def mailing(settings: Settings) -> updates.Mailing:
    return updates.Mailing(settings.resolved_base_url(), signing_key(settings))


def ctx_mailing(ctx: AppContext) -> updates.Mailing:
    return mailing(ctx.settings)


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(
        min_length=1, max_length=updates.MAX_STATUS, description="The current status."
    )
    summary: str | None = Field(
        None,
        max_length=updates.MAX_SUMMARY,
        description="A 2-3 sentence summary of the outage and who it affects; replaces the "
        "incident's.",
    )


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field("", max_length=updates.MAX_STATUS)


class ComposedOut(BaseModel):
    subject: str
    text: str
    html: str


class UpdateOut(BaseModel):
    id: int
    incident_id: int
    status: str
    author: str
    at: datetime
    subject: str
    text: str
    html: str
    recipients: list[str]

    @classmethod
    def of(cls, u: StatusUpdate) -> UpdateOut:
        return cls(
            id=u.id, incident_id=u.incident_id, status=u.status_text, author=u.author, at=u.at,
            subject=u.subject, text=u.text_body, html=u.html_body, recipients=list(u.recipients),
        )  # fmt: skip


class CommsOut(BaseModel):
    next_reminder_at: datetime | None = Field(
        description="When the commander is next reminded to send an update (open incidents)."
    )
    snoozed_until: datetime | None
    first_update_due_at: datetime | None = Field(
        description="The first update's deadline (critical incidents)."
    )
    first_update_sent_at: datetime | None
    breached_at: datetime | None = Field(
        description="The deadline that lapsed with no update, when one did."
    )


class UpdatesOut(BaseModel):
    items: list[UpdateOut]
    comms: CommsOut


def comms_state(session: Session, incident_id: int) -> CommsOut:
    incident = incidents.get(session, incident_id)
    service = queries.service_facts(session, incident.service_id)
    settings = queries.team_settings(session, service.team_id)
    comms = session.get(IncidentComms, incident_id)
    sent = queries.updates(session, incident_id)
    last = sent[-1].at if sent else None
    reminder = None
    if incident.status in OPEN_STATUSES:
        reminder = policy.next_reminder_at(
            settings, incident.severity, opened_at=incident.opened_at, last_update_at=last,
            reminded_at=comms.reminded_at if comms else None,
            snoozed_until=comms.snoozed_until if comms else None,
        )  # fmt: skip
    deadline = policy.first_update_deadline(settings, incident.severity, incident.opened_at)
    return CommsOut(
        next_reminder_at=reminder,
        snoozed_until=comms.snoozed_until if comms else None,
        first_update_due_at=deadline.due_at if deadline else None,
        first_update_sent_at=sent[0].at if sent else None,
        breached_at=comms.breached_at if comms else None,
    )


@router.get("/incidents/{incident_id}/updates")
def list_updates(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> UpdatesOut:
    """The incident's stakeholder updates in the order sent, its next reminder, and its first
    update's deadline and breach."""
    with context(request).db.read() as session:
        comms = comms_state(session, incident_id)
        return UpdatesOut(
            items=[UpdateOut.of(u) for u in queries.updates(session, incident_id)], comms=comms
        )


@router.post("/incidents/{incident_id}/updates", status_code=201)
def send_update(
    incident_id: Id, body: UpdateIn, request: Request, who: Principal = Depends(responder)
) -> UpdateOut:
    """Send stakeholders an update from the team's template: to the subscribers of the service
    and its team and every role holder of the incident. 409 for a closed incident."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        update = updates.send_update(
            session, incident_id, body.status, summary=body.summary, actor=who.actor,
            source="api", now=ctx.clock.now(), mailing=ctx_mailing(ctx),
        )  # fmt: skip
        return UpdateOut.of(update)


@router.post("/incidents/{incident_id}/updates/preview")
def preview_update(
    incident_id: Id, body: PreviewIn, request: Request, _: Principal = Depends(responder)
) -> ComposedOut:
    """The e-mail an update with this status would send now; nothing is stored or sent."""
    ctx = context(request)
    with ctx.db.read() as session:
        composed = updates.preview(
            session, incident_id, body.status, now=ctx.clock.now(),
            base_url=ctx.settings.resolved_base_url(),
        )  # fmt: skip
        return ComposedOut(subject=composed.subject, text=composed.text, html=composed.html)


class SnoozeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration: Duration = Field(
        description='How long no update reminder comes: "30m", "2h" (at most 24h).'
    )


@router.post("/incidents/{incident_id}/updates/snooze")
def snooze(
    incident_id: Id, body: SnoozeIn, request: Request, who: Principal = Depends(responder)
) -> CommsOut:
    """Snooze the incident's update reminders."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        reminders.snooze(
            session, incident_id, body.duration, actor=who.actor, source="api",
            now=ctx.clock.now(),
        )  # fmt: skip
        session.flush()
        return comms_state(session, incident_id)


class SubscriberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=320)
    team: str | None = Field(None, description="The team's list (every service of the team).")
    service: str | None = Field(None, description="The service's list.")


class SubscriberOut(BaseModel):
    id: int
    list_kind: str
    list_name: str
    address: str
    source: str
    added_at: datetime
    added_by: str
    unsubscribed_at: datetime | None

    @classmethod
    def of(cls, e: queries.ListEntry) -> SubscriberOut:
        return cls(**e.__dict__)


@router.get("/subscribers")
def list_subscribers(
    request: Request,
    team: str | None = Query(None),
    service: str | None = Query(None),
    _: Principal = Depends(viewer),
) -> list[SubscriberOut]:
    """Every list entry (and whether it unsubscribed), by list."""
    with context(request).db.read() as session:
        entries = queries.list_subscribers(session, team=team, service=service)
        return [SubscriberOut.of(e) for e in entries]


@router.post("/subscribers", status_code=201)
def add_subscriber(
    body: SubscriberIn, request: Request, who: Principal = Depends(responder)
) -> SubscriberOut:
    """Put an address on a team's or a service's list (again, if it had unsubscribed)."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        row = lists.subscribe(
            session, address=body.address, team=body.team, service=body.service,
            actor=who.actor, now=ctx.clock.now(),
        )  # fmt: skip
        [entry] = [e for e in queries.list_subscribers(session) if e.id == row.id]
        return SubscriberOut.of(entry)


@router.delete("/subscribers/{subscriber_id}", status_code=204)
def remove_subscriber(
    subscriber_id: Id, request: Request, who: Principal = Depends(responder)
) -> None:
    """Take an entry added at run time off its list (409 for one the config file declares)."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        lists.remove(session, subscriber_id, actor=who.actor, now=ctx.clock.now())


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str
    release: str = Field(min_length=1, max_length=200, description="The release's name.")
    notes: str = Field("", max_length=20_000, description="What changes for users.")
    release_at: datetime | None = Field(None, description="When it ships (default: now).")


class AnnouncementOut(BaseModel):
    id: int
    service: str
    release: str
    author: str
    at: datetime
    release_at: datetime
    subject: str
    text: str
    recipients: list[str]


@router.post("/announcements", status_code=201)
def announce(
    body: AnnouncementIn, request: Request, who: Principal = Depends(responder)
) -> AnnouncementOut:
    """E-mail a release announcement to the service's and its team's subscribers."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        row = announcements.announce(
            session, body.service, body.release, notes=body.notes, release_at=body.release_at,
            actor=who.actor, now=ctx.clock.now(), mailing=ctx_mailing(ctx),
        )  # fmt: skip
        return AnnouncementOut(
            id=row.id, service=body.service, release=row.release, author=row.author, at=row.at,
            release_at=row.release_at, subject=row.subject, text=row.text_body,
            recipients=list(row.recipients),
        )  # fmt: skip


