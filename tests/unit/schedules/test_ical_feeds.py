import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from onwatch.schedules.ical import person_feed, schedule_feed, shift_uid
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import Schedule, resolved_shifts
from onwatch.schedules.overrides import Override
from onwatch.schedules.rotation import Rotation

NEW_YORK = ZoneInfo("America/New_York")
STAMP_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
START_AT = datetime(2026, 1, 1, tzinfo=UTC)
END_AT = datetime(2026, 3, 1, tzinfo=UTC)


def sprints() -> Schedule:
    rotation = Rotation(
        ("ann", "bob", "cat"), timedelta(weeks=2), date(2026, 1, 7), time(9), NEW_YORK
    )
    pto = Override(
        "cat",
        datetime(2026, 1, 12, tzinfo=UTC),
        datetime(2026, 1, 13, tzinfo=UTC),
        covered="ann",
        reason="PTO; back Tuesday",
    )
    return Schedule("platform, on-call", (Layer(rotation, ("primary", "secondary")),), (pto,))


def content_lines(text: str) -> list[tuple[str, dict[str, str], str]]:
    """A second, independent reading of RFC 5545 (3.1): CRLF line ends, lines of at most 75
    octets, folding by a leading space, NAME;PARAM=V:VALUE."""
    assert text.endswith("\r\n")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    parsed = []
    for line in logical:
        match = re.fullmatch(r"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=[^;:]*)*):(.*)", line)
        assert match, line
        params = dict(p.split("=", 1) for p in match[2].split(";")[1:])
        parsed.append((match[1].upper(), params, match[3]))
    return parsed


def components(lines: list[tuple[str, dict[str, str], str]]) -> list[dict]:
    """Nest BEGIN/END pairs; each component is its properties plus a list of children."""
    stack: list[dict] = [{"children": []}]
    for name, _, value in lines:
        if name == "BEGIN":
            stack.append({"kind": value, "children": []})
        elif name == "END":
            done = stack.pop()
            assert done["kind"] == value, f"END:{value} closes BEGIN:{done['kind']}"
            stack[-1]["children"].append(done)
        else:
            stack[-1].setdefault(name, []).append(value)
    assert len(stack) == 1
    return stack[0]["children"]


def test_schedule_feed_is_valid_rfc_5545_to_an_independent_reader():
    text = schedule_feed(sprints(), START_AT, END_AT, STAMP_AT)
    (calendar,) = components(content_lines(text))
    assert calendar["kind"] == "VCALENDAR"
    assert calendar["VERSION"] == ["2.0"] and calendar["PRODID"]
    events = [c for c in calendar["children"] if c["kind"] == "VEVENT"]
    assert events
    for event in events:
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert len(event[name]) == 1, name
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTART"][0])
        assert event["DTSTART"][0] < event["DTEND"][0]
    assert len({e["UID"][0] for e in events}) == len(events)


def test_schedule_feed_reads_back_with_icalendar_naming_role_and_schedule():
    parsed = icalendar.Calendar.from_ical(schedule_feed(sprints(), START_AT, END_AT, STAMP_AT))
    events = list(parsed.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert "ann on call (primary): platform, on-call" in summaries
    assert "bob on call (secondary): platform, on-call" in summaries
    assert all(e.decoded("DTSTAMP") == STAMP_AT for e in events)
    pto = [e for e in events if "DESCRIPTION" in e]
    assert [str(e["DESCRIPTION"]) for e in pto] == ["Override, covering for ann: PTO; back Tuesday"]
    assert pto[0].decoded("DTSTART") == datetime(2026, 1, 12, tzinfo=UTC)


def test_uids_stay_the_same_when_the_feed_is_fetched_later_with_another_range():
    first = icalendar.Calendar.from_ical(schedule_feed(sprints(), START_AT, END_AT, STAMP_AT))
    later = icalendar.Calendar.from_ical(
        schedule_feed(
            sprints(), START_AT + timedelta(days=10), END_AT, STAMP_AT + timedelta(days=10)
        )
    )

    def by_start(feed):
        return {
            (e.decoded("DTSTART"), str(e["SUMMARY"])): str(e["UID"]) for e in feed.walk("VEVENT")
        }

    shared = by_start(first).keys() & by_start(later).keys()
    assert len(shared) >= 6
    assert all(by_start(first)[key] == by_start(later)[key] for key in shared)


def test_person_feed_holds_only_that_persons_shifts_in_every_role():
    parsed = icalendar.Calendar.from_ical(
        person_feed([sprints()], "ann", START_AT, END_AT, STAMP_AT)
    )
    summaries = sorted(str(e["SUMMARY"]) for e in parsed.walk("VEVENT"))
    # Primary from January 7 (split where cat covers her on the 12th) and from February 18;
    # secondary from February 4.
    assert summaries == ["On call (primary): platform, on-call"] * 3 + [
        "On call (secondary): platform, on-call"
    ]
    components(content_lines(person_feed([sprints()], "ann", START_AT, END_AT, STAMP_AT)))


def test_shift_uid_depends_on_the_shift_not_on_when_it_was_computed():
    shifts = resolved_shifts(sprints(), "primary", START_AT, END_AT)
    again = resolved_shifts(sprints(), "primary", START_AT, END_AT)
    assert [shift_uid("p", s) for s in shifts] == [shift_uid("p", s) for s in again]
    assert len({shift_uid("p", s) for s in shifts}) == len(shifts)
