"""The review meeting's iCalendar invitation (RFC 5546, pure): METHOD:REQUEST to invite or
update, METHOD:CANCEL to call it off, one VEVENT whose UID stays and whose SEQUENCE grows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//onwatch//post-mortem review//EN"


@dataclass(frozen=True)
class Meeting:
    uid: str
    sequence: int
    starts_at: datetime
    duration: timedelta
    summary: str
    description: str
    organizer: str
    attendees: Sequence[str]
    location: str | None = None
    url: str | None = None


def _address(email: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    for name, value in params.items():
        address.params[name] = value
    return address


def calendar(meeting: Meeting, method: str, now: datetime) -> str:
    """The invitation as iCalendar text (CRLF lines), `method` REQUEST or CANCEL."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"no invitation method {method!r}")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", (meeting.starts_at + meeting.duration).astimezone(UTC))
    event.add("summary", meeting.summary)
    event.add("description", meeting.description)
    if meeting.location:
        event.add("location", vText(meeting.location))
    if meeting.url:
        event.add("url", meeting.url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(meeting.organizer))
    for email in meeting.attendees:
        event.add(
            "attendee",
            _address(
                email,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE",
            ),
            encode=False,
        )
    cal.add_component(event)
    return cal.to_ical().decode()
