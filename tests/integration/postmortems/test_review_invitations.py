"""The review meeting's invitation reaches a real SMTP server as a text/calendar;
method=REQUEST part that icalendar reads back; moving the meeting sends it again with the same
UID and SEQUENCE 1; cancelling sends METHOD:CANCEL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.postmortems import meetings
from tests.integration.engine.delivering import engine
from tests.integration.postmortems.story import seed
from tests.receivers import Mail, SmtpReceiver


def schedule(db: Database, clock: FakeClock, incident_id: int, starts_at: datetime) -> None:
    spec = meetings.MeetingSpec(
        starts_at=starts_at, duration_minutes=45, location="Room 4",
        attendees=["client@example.com"],
    )  # fmt: skip
    with db.transaction() as session:
        meetings.schedule(
            session, incident_id, spec, actor="user:ann", source="ui", now=clock.now(),
            base_url="https://onwatch.example.org", organizer="onwatch@onwatch.example.org",
        )  # fmt: skip


def calendar_of(mail: Mail) -> tuple[str, Calendar]:
    [part] = [p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invite.ics"
    return part.get_param("method"), Calendar.from_ical(part.get_content())


def test_the_invitation_reaches_smtp_as_a_calendar_request_and_a_move_raises_sequence(
    db: Database, clock: FakeClock, settings: Settings, smtp_receiver: SmtpReceiver
) -> None:
    story = seed(db, clock)
    loop = engine(
        db, clock, settings, smtp_host=smtp_receiver.host, smtp_port=smtp_receiver.port,
        smtp_security="none", base_url="https://onwatch.example.org",
    )  # fmt: skip
    starts_at = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert clock.now() < starts_at
    schedule(db, clock, story.incident_id, starts_at)
    assert loop.tick().done["delivery"] == 3
    mails = sorted(smtp_receiver.take(3), key=lambda m: m.envelope_to)
    assert [m.envelope_to for m in mails] == [
        ["ann@example.org"], ["client@example.com"], ["lee@example.org"],
    ]  # fmt: skip
    mail = mails[0]
    assert mail.message["Subject"] == "Post-mortem review: card payments failing"
    method, cal = calendar_of(mail)
    assert (method, str(cal["METHOD"])) == ("REQUEST", "REQUEST")
    [event] = cal.walk("VEVENT")
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == starts_at
    assert event.decoded("DTEND") == starts_at + timedelta(minutes=45)
    assert str(event["SUMMARY"]) == "Post-mortem review: card payments failing"
    assert f"https://onwatch.example.org/incidents/{story.incident_id}/postmortem" in str(
        event["DESCRIPTION"]
    )
    assert str(event["ORGANIZER"]) == "mailto:onwatch@onwatch.example.org"
    attendees = event["ATTENDEE"]
    assert sorted(str(a) for a in attendees) == [
        "mailto:ann@example.org", "mailto:client@example.com", "mailto:lee@example.org",
    ]  # fmt: skip
    assert {a.params["RSVP"] for a in attendees} == {"TRUE"}
    uid = str(event["UID"])

    clock.advance(timedelta(hours=1))
    schedule(db, clock, story.incident_id, starts_at + timedelta(days=1))
    assert loop.tick().done["delivery"] == 3
    for moved in smtp_receiver.take(3):
        method, cal = calendar_of(moved)
        [event] = cal.walk("VEVENT")
        assert (method, str(event["UID"]), event["SEQUENCE"]) == ("REQUEST", uid, 1)
        assert event.decoded("DTSTART") == starts_at + timedelta(days=1)

    with db.transaction() as session:
        meetings.cancel(
            session, story.incident_id, actor="user:ann", source="ui", now=clock.now(),
            base_url="https://onwatch.example.org",
        )  # fmt: skip
    assert loop.tick().done["delivery"] == 3
    for cancelled in smtp_receiver.take(3):
        method, cal = calendar_of(cancelled)
        [event] = cal.walk("VEVENT")
        assert (method, str(cal["METHOD"]), event["SEQUENCE"]) == ("CANCEL", "CANCEL", 2)
        assert str(event["STATUS"]) == "CANCELLED"
