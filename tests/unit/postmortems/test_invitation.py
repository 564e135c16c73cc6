"""The review meeting's iCalendar text: METHOD, UID, SEQUENCE, times in UTC, attendees with
RSVP; a cancellation says CANCEL and CANCELLED."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from onwatch.postmortems.invitation import Meeting, calendar

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
MEETING = Meeting(
    uid="abc@onwatch",
    sequence=0,
    starts_at=datetime(2026, 3, 10, 10, 0, tzinfo=timezone(timedelta(hours=-5))),
    duration=timedelta(minutes=45),
    summary="Post-mortem review: card payments failing",
    description="https://onwatch.example.org/incidents/42/postmortem",
    organizer="onwatch@onwatch.example.org",
    attendees=("ann@example.org", "client@example.com"),
    location="Room 4",
    url="https://meet.example.org/pm",
)


def parsed(text: str) -> tuple[Calendar, Calendar]:
    cal = Calendar.from_ical(text)
    [event] = cal.walk("VEVENT")
    return cal, event


def test_a_request_carries_method_uid_sequence_and_utc_times() -> None:
    text = calendar(MEETING, "REQUEST", NOW)
    assert "\r\n" in text
    cal, event = parsed(text)
    assert (str(cal["METHOD"]), str(cal["VERSION"])) == ("REQUEST", "2.0")
    assert (str(event["UID"]), event["SEQUENCE"]) == ("abc@onwatch", 0)
    assert "DTSTART:20260310T150000Z" in text and "DTEND:20260310T154500Z" in text
    assert "DTSTAMP:20260302T140000Z" in text
    assert str(event["DESCRIPTION"]) == "https://onwatch.example.org/incidents/42/postmortem"
    assert str(event["ORGANIZER"]) == "mailto:onwatch@onwatch.example.org"
    assert [(str(a), a.params["RSVP"]) for a in event["ATTENDEE"]] == [
        ("mailto:ann@example.org", "TRUE"), ("mailto:client@example.com", "TRUE"),
    ]  # fmt: skip
    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_later_sequence_keeps_the_uid() -> None:
    moved = Meeting(**{**MEETING.__dict__, "sequence": 1})
    _, event = parsed(calendar(moved, "REQUEST", NOW))
    assert (str(event["UID"]), event["SEQUENCE"]) == ("abc@onwatch", 1)


def test_a_cancellation_says_cancel() -> None:
    cal, event = parsed(calendar(Meeting(**{**MEETING.__dict__, "sequence": 2}), "CANCEL", NOW))
    assert (str(cal["METHOD"]), str(event["STATUS"]), event["SEQUENCE"]) == (
        "CANCEL", "CANCELLED", 2,
    )  # fmt: skip


def test_no_other_method_is_written() -> None:
    with pytest.raises(ValueError):
        calendar(MEETING, "PUBLISH", NOW)
