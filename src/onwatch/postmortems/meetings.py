"""The review meeting: scheduling it e-mails an iCalendar METHOD:REQUEST invitation (outbox kind
`invite`, one row per attendee) to the incident's commander, the service's owner and the chosen
stakeholders; moving it keeps the UID and raises SEQUENCE; cancelling sends METHOD:CANCEL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, FieldError, Invalid, NotFound
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident
from onwatch.notifications.outbox import Outgoing, write
from onwatch.postmortems import actions, invitation, queries
from onwatch.postmortems.draft import utc_text
from onwatch.postmortems.items import checked_url
from onwatch.postmortems.models import ReviewMeeting

DEFAULT_MINUTES = 60
MAX_ATTENDEES = 50


def checked_address(value: str) -> str:
    address = value.strip()
    local, at, domain = address.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(address) > 320
        or any(c.isspace() or c in ',;<>"()[]\\' for c in address)
    ):
        raise ValueError(f"{value!r} is not an e-mail address")
    return address


class MeetingSpec(BaseModel):
    """When and where the review is, and which stakeholders (e-mail addresses) to invite
    besides the commander and the service's owner. The end is `ends_at`, else the start plus
    `duration_minutes` (60 by default)."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(None, ge=5, le=480)
    location: str | None = Field(None, max_length=500)
    url: str | None = Field(None, max_length=2000, description="The call's link, http(s).")
    attendees: list[str] = Field(default_factory=list, max_length=MAX_ATTENDEES)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return checked_url(value)

    @field_validator("attendees")
    @classmethod
    def _attendees(cls, value: list[str]) -> list[str]:
        return [checked_address(a) for a in value if a.strip()]

    def span(self, now: datetime) -> tuple[datetime, timedelta]:
        """The start and duration; Invalid naming the field for a start in the past or an end
        not after the start."""
        errors = []
        if self.starts_at <= now:
            errors.append(FieldError("starts_at", "must be in the future"))
        if self.ends_at is not None:
            duration = self.ends_at - self.starts_at
            if duration <= timedelta(0):
                errors.append(FieldError("ends_at", "must be after starts_at"))
            elif duration > timedelta(hours=8):
                errors.append(FieldError("ends_at", "a review lasts at most 8 hours"))
        else:
            duration = timedelta(minutes=self.duration_minutes or DEFAULT_MINUTES)
        if errors:
            raise Invalid(errors)
        return self.starts_at, duration


def link(base_url: str, incident_id: int) -> str:
    return f"{base_url.rstrip('/')}/incidents/{incident_id}/postmortem"


def recipients(
    session: Session, incident: Incident, meeting: ReviewMeeting
) -> list[tuple[str, int | None]]:
    """(address, person id) of everyone invited, each address once: the commander, the
    service's owner, then the chosen stakeholders."""
    found: dict[str, tuple[str, int | None]] = {}
    for person in (
        queries.commander(session, incident.id),
        queries.service_owner(session, incident.service_id),
    ):
        if person is not None and person.email:
            found.setdefault(person.email.lower(), (person.email, person.id))
    for address in meeting.attendees:
        found.setdefault(address.lower(), (address, None))
    return list(found.values())


def _send(
    session: Session, incident: Incident, meeting: ReviewMeeting, method: str, base_url: str,
    now: datetime,
) -> int:  # fmt: skip
    invited = recipients(session, incident, meeting)
    if not invited:
        raise Invalid(
            "nobody to invite: the incident has no commander, its service no owner, and no "
            "stakeholder was named",
            "attendees",
        )
    where = link(base_url, incident.id)
    details = invitation.Meeting(
        uid=meeting.uid,
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        duration=timedelta(minutes=meeting.duration_minutes),
        summary=f"Post-mortem review: {incident.title}",
        description=f"The post-mortem of incident {incident.id}: {where}",
        organizer=meeting.organizer,
        attendees=[address for address, _ in invited],
        location=meeting.location,
        url=meeting.url,
    )
    ics = invitation.calendar(details, method, now)
    cancelled = method == "CANCEL"
    title = ("Cancelled: " if cancelled else "") + details.summary
    text = "\n".join(
        [
            "The post-mortem review is cancelled."
            if cancelled
            else "You are invited to the post-mortem review.",
            "",
            f"When: {utc_text(meeting.starts_at)} ({meeting.duration_minutes} min)",
            *([f"Where: {meeting.location}"] if meeting.location else []),
            *([f"Call: {meeting.url}"] if meeting.url else []),
            f"Post-mortem: {where}",
        ]
    )
    attachment = {
        "filename": "invite.ics",
        "content_type": f"text/calendar; method={method}",
        "content": ics,
    }
    return write(
        session,
        [
            Outgoing(
                key=f"invite:{meeting.uid}:{meeting.sequence}:{address.lower()}",
                kind="invite",
                due_at=now,
                destination={"kind": "email", "address": address},
                label=f"Review invitation to {address}",
                urgency="low",
                incident_id=incident.id,
                person_id=person_id,
                payload={"title": title, "text": text, "attachments": [attachment]},
            )
            for address, person_id in invited
        ],
        now,
    )


def schedule(
    session: Session,
    incident_id: int,
    spec: MeetingSpec,
    *,
    actor: str,
    source: str,
    now: datetime,
    base_url: str,
    organizer: str,
) -> ReviewMeeting:
    """Schedule the review, or move it (same UID, SEQUENCE + 1); invitations are written."""
    incident = incidents.get(session, incident_id, for_update=True)
    starts_at, duration = spec.span(now)
    pm = actions.ensure(session, incident, actor=actor, source=source, now=now)
    meeting = queries.meeting(session, incident_id)
    before = _state(meeting) if meeting is not None else None
    if meeting is None:
        meeting = ReviewMeeting(
            postmortem_id=pm.id,
            uid=f"{uuid.uuid4()}@onwatch",
            sequence=0,
            organizer=organizer,
        )
        session.add(meeting)
    else:
        meeting.sequence += 1
    meeting.starts_at, meeting.duration_minutes = starts_at, int(duration.total_seconds() // 60)
    meeting.location, meeting.url = spec.location or None, spec.url
    meeting.attendees = list(dict.fromkeys(spec.attendees))
    meeting.cancelled_at, meeting.updated_at, meeting.updated_by = None, now, actor
    session.flush()
    _send(session, incident, meeting, "REQUEST", base_url, now)
    verb = "schedule" if before is None else "reschedule"
    _audit(session, meeting, verb, actor, now, before, _state(meeting))
    text = ("Review meeting scheduled" if before is None else "Review meeting moved") + \
        f" for {utc_text(starts_at)}"  # fmt: skip
    entry = incidents.note(session, incident, kind="review", text=text, actor=actor, now=now)
    entry.source = source
    return meeting


def cancel(
    session: Session,
    incident_id: int,
    *,
    actor: str,
    source: str,
    now: datetime,
    base_url: str,
) -> ReviewMeeting:
    """Call the review off: METHOD:CANCEL to everyone invited (SEQUENCE + 1)."""
    incident = incidents.get(session, incident_id, for_update=True)
    meeting = queries.meeting(session, incident_id)
    if meeting is None:
        raise NotFound(f"incident {incident_id} has no review meeting")
    if meeting.cancelled_at is not None:
        raise Conflict(f"the review meeting of incident {incident_id} is already cancelled")
    before = _state(meeting)
    meeting.sequence += 1
    meeting.cancelled_at, meeting.updated_at, meeting.updated_by = now, now, actor
    _send(session, incident, meeting, "CANCEL", base_url, now)
    _audit(session, meeting, "cancel", actor, now, before, _state(meeting))
    entry = incidents.note(
        session, incident, kind="review", text="Review meeting cancelled", actor=actor, now=now
    )
    entry.source = source
    return meeting


def view(session: Session, incident: Incident, meeting: ReviewMeeting) -> dict[str, Any]:
    return {
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.starts_at + timedelta(minutes=meeting.duration_minutes),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "url": meeting.url,
        "attendees": list(meeting.attendees),
        "invited": [address for address, _ in recipients(session, incident, meeting)],
        "organizer": meeting.organizer,
        "cancelled_at": meeting.cancelled_at,
    }


def _state(meeting: ReviewMeeting) -> dict[str, Any]:
    return {
        "sequence": meeting.sequence,
        "starts_at": meeting.starts_at.isoformat(),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "url": meeting.url,
        "attendees": list(meeting.attendees),
        "cancelled": meeting.cancelled_at is not None,
    }


def _audit(
    session: Session,
    meeting: ReviewMeeting,
    verb: str,
    actor: str,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    record(
        session,
        actor=actor,
        action=f"review_meeting.{verb}",
        entity_type="review_meeting",
        entity_key=meeting.uid,
        at=now,
        before=before,
        after=after,
    )
