"""The schedule's day-by-day list for phones: each role's holders with their hours, days held
the same way run together, off hours said once, gaps and overrides shown."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from onwatch.schedules.lookups import Cover, Shifts, ShiftView
from onwatch.web.pages.schedule_timeline import Day, Slot, agenda

NY = ZoneInfo("America/New_York")


def at(day: int, hour: int = 0) -> datetime:
    """A local time in New York in the week of Monday 2026-03-02."""
    return datetime(2026, 3, day, hour, tzinfo=NY)


def held(
    role: str, holder: str | None, start: datetime, end: datetime, **more: object
) -> ShiftView:
    return ShiftView(role=role, holder=holder, start_at=start, end_at=end, **more)  # type: ignore[arg-type]


def week(*shifts: ShiftView) -> Shifts:
    return Shifts(schedule="s", time_zone=NY.key, start_at=at(2), end_at=at(9), shifts=list(shifts))


def lines(days: list[Day]) -> list[str]:
    """Each day as a line: "label (today): role holder hours [note]; …"."""

    def slot(s: Slot) -> str:
        who = s.holder or ("nobody" if s.colour == "gap" else "")
        return " ".join(filter(None, [s.role, who, s.hours, s.note and f"[{s.note}]"]))

    today = " (today)"
    return [
        f"{d.label}{today if d.is_today else ''}: " + "; ".join(map(slot, d.slots)) for d in days
    ]


def test_days_held_alike_run_together_and_a_handoff_day_gives_the_hours() -> None:
    found = week(
        held("primary", "ann", at(2), at(4, 10)),
        held("primary", "bob", at(4, 10), at(9)),
    )
    assert lines(agenda(found, ["ann", "bob"], at(2, 12), [])) == [
        "Mon 02 – Tue 03 Mar (today): primary ann all day",
        "Wed 04 Mar: primary ann until 10:00; primary bob from 10:00",
        "Thu 05 – Sun 08 Mar: primary bob all day",
    ]


def test_business_hours_say_daily_gaps_show_and_off_hours_are_said_once() -> None:
    cover = Cover(id="1", covered="dee", reason="PTO")
    found = week(
        held("secondary", None, at(2), at(2, 9)),
        held("secondary", "cy", at(2, 9), at(2, 17)),
        held("secondary", None, at(2, 17), at(4, 9)),  # includes Tuesday's working day
        held("secondary", "cy", at(4, 9), at(4, 17)),
        held("secondary", None, at(4, 17), at(5, 9)),
        held("secondary", "cy", at(5, 9), at(5, 17)),
        held("secondary", None, at(5, 17), at(6, 9)),
        held("secondary", "cy", at(6, 9), at(6, 17), override=cover),
        held("secondary", None, at(6, 17), at(9)),
    )
    gap = held("secondary", None, at(3, 9), at(3, 17))  # within coverage: to be covered
    assert lines(agenda(found, ["cy"], at(3, 12), [gap])) == [
        "Mon 02 Mar: secondary cy 09:00–17:00",
        "Tue 03 Mar (today): secondary nobody 09:00–17:00",
        "Wed 04 – Thu 05 Mar: secondary cy 09:00–17:00 daily",
        "Fri 06 Mar: secondary cy 09:00–17:00 [for dee: PTO]",
        "Sat 07 – Sun 08 Mar: off hours",
    ]
