"""A schedule's timeline as an SVG drawing: weeks across, one row per role, a colour per person
from a fixed palette (CSS classes: the content security policy allows no inline styles),
overrides marked and gaps in red; and, for a phone, the same shifts listed day by day. Geometry
and text only; the template draws it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onwatch.schedules.lookups import Cover, Shifts, ShiftView

PALETTE = 8
LABEL_WIDTH = 96  # the role names, left of the time axis
AXIS_WIDTH = 1000
HEADER = 26
ROW = 34
MIN_LABEL = 54  # narrower bars carry their name in a tooltip only


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    holder: str | None
    colour: str  # "p0".."p7"; "gap" (nobody, to be covered) or "off" (outside coverage)
    override: bool
    title: str  # the tooltip: who, when, why
    show_label: bool


@dataclass(frozen=True)
class Row:
    role: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    week: bool  # a week boundary (drawn stronger, labelled)


@dataclass(frozen=True)
class Timeline:
    rows: list[Row]
    ticks: list[Tick]
    legend: list[tuple[str, str]]  # (handle, colour class)
    width: int
    height: int
    now_x: float | None
    has_off_hours: bool
    label_width: int = LABEL_WIDTH
    header: int = HEADER
    row_height: int = ROW


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def range_of(first_day: date, weeks: int, zone: ZoneInfo) -> tuple[str, str]:
    """[from, to) for `weeks` weeks from local midnight of `first_day`, as ISO 8601 text."""
    start_at = datetime.combine(first_day, time(0), tzinfo=zone)
    end_at = datetime.combine(first_day + timedelta(weeks=weeks), time(0), tzinfo=zone)
    return start_at.isoformat(), end_at.isoformat()


def colours(people: list[str]) -> dict[str, str]:
    """A palette class per handle, by the sorted order of everyone the schedule names, so a
    person keeps their colour from one page to the next."""
    return {handle: f"p{number % PALETTE}" for number, handle in enumerate(sorted(people))}


def timeline(
    found: Shifts, people: list[str], now: datetime, gaps: list[ShiftView] | None = None
) -> Timeline:
    """`gaps` are the stretches nobody covers within the schedule's coverage (red); the rest of
    the time nobody holds a role is off hours (drawn neutral). Without `gaps`, all of it is red."""
    zone = ZoneInfo(found.time_zone)
    span = (found.end_at - found.start_at).total_seconds()
    colour_of = colours(people)

    def x_of(at: datetime) -> float:
        return LABEL_WIDTH + round((at - found.start_at).total_seconds() / span * AXIS_WIDTH, 2)

    roles = list(dict.fromkeys(shift.role for shift in found.shifts))
    rows = []
    for number, role in enumerate(roles):
        bars = []
        for shift in _with_gaps([s for s in found.shifts if s.role == role], gaps):
            left, right = x_of(shift.start_at), x_of(shift.end_at)
            off = shift.holder is None and shift.override is OFF
            who = shift.holder or ("nobody (off hours)" if off else "nobody (gap)")
            when = f"{_local(shift.start_at, zone)} to {_local(shift.end_at, zone)}"
            why = ""
            if shift.override is not None and not off:
                covered = f" for {shift.override.covered}" if shift.override.covered else ""
                reason = f": {shift.override.reason}" if shift.override.reason else ""
                why = f" (override{covered}{reason})"
            bars.append(
                Bar(
                    x=left,
                    width=round(right - left, 2),
                    holder=shift.holder,
                    colour=colour_of.get(shift.holder, "p0")
                    if shift.holder
                    else ("off" if off else "gap"),
                    override=shift.override is not None and not off,
                    title=f"{role}: {who}, {when}{why}",
                    show_label=right - left >= MIN_LABEL and not off,
                )
            )
        rows.append(Row(role=role, y=HEADER + number * ROW, bars=bars))
    ticks = []
    day = found.start_at.astimezone(zone).date()
    last = found.end_at.astimezone(zone).date()
    while day < last:
        at = datetime.combine(day, time(0), tzinfo=zone)
        if at >= found.start_at:
            ticks.append(Tick(x_of(at), day.strftime("%a %d %b"), day.weekday() == 0))
        day += timedelta(days=1)
    now_x = x_of(now) if found.start_at <= now < found.end_at else None
    seen = sorted({s.holder for s in found.shifts if s.holder})
    return Timeline(
        rows=rows,
        ticks=ticks,
        legend=[(handle, colour_of.get(handle, "p0")) for handle in seen],
        width=LABEL_WIDTH + AXIS_WIDTH,
        height=HEADER + ROW * max(len(rows), 1),
        now_x=now_x,
        has_off_hours=any(b.colour == "off" for row in rows for b in row.bars),
    )


# Marks the off-hours pieces `_with_gaps` makes (a holder-less shift has no override otherwise).
OFF = Cover(id="", covered=None, reason="off hours")


def _with_gaps(shifts: list[ShiftView], gaps: list[ShiftView] | None) -> list[ShiftView]:
    """Holder-less shifts split into gap pieces (within coverage) and off-hours pieces."""
    if gaps is None:
        return shifts
    found: list[ShiftView] = []
    for shift in shifts:
        if shift.holder is not None:
            found.append(shift)
            continue
        cursor = shift.start_at
        for gap in gaps:
            if gap.role != shift.role or gap.end_at <= cursor or gap.start_at >= shift.end_at:
                continue
            start_at, end_at = max(gap.start_at, cursor), min(gap.end_at, shift.end_at)
            if start_at > cursor:
                found.append(shift.model_copy(update={"end_at": start_at, "override": OFF}))
            found.append(shift.model_copy(update={"start_at": start_at, "end_at": end_at}))
            cursor = end_at
        if cursor < shift.end_at:
            found.append(shift.model_copy(update={"start_at": cursor, "override": OFF}))
    return found


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%a %d %b %H:%M %Z")


@dataclass(frozen=True)
class Slot:
    """Who holds a role for (part of) one day, as a phone lists it."""

    role: str
    holder: str | None  # None: nobody (a gap, unless `colour` is "off")
    hours: str  # "all day", "09:00–17:00", "until 10:00", "from 10:00"
    colour: str  # as on the drawing: "p0".."p7", "gap" or "off"
    note: str  # an override's "for ann: PTO", else ""


@dataclass(frozen=True)
class Day:
    """One day, or a run of days on which every role is held the same way."""

    first: date
    last: date
    is_today: bool
    slots: list[Slot]

    @property
    def label(self) -> str:
        if self.first == self.last:
            return self.first.strftime("%a %d %b")
        same_month = (self.first.year, self.first.month) == (self.last.year, self.last.month)
        start = self.first.strftime("%a %d" if same_month else "%a %d %b")
        return f"{start} – {self.last.strftime('%a %d %b')}"


def agenda(
    found: Shifts, people: list[str], now: datetime, gaps: list[ShiftView] | None = None
) -> list[Day]:
    """The same shifts as `timeline`, day by day in the schedule's zone, for a screen too narrow
    for the drawing: each role's holders with their hours. Off hours are left out (a day of
    nothing else says so once), and days held the same way run together: "Mon 02 – Fri 06 Mar,
    primary ann 09:00–17:00" rather than five rows alike."""
    zone = ZoneInfo(found.time_zone)
    colour_of = colours(people)
    roles = list(dict.fromkeys(shift.role for shift in found.shifts))
    pieces = {role: _with_gaps([s for s in found.shifts if s.role == role], gaps) for role in roles}
    days: list[Day] = []
    day = found.start_at.astimezone(zone).date()
    while (opens := datetime.combine(day, time(0), tzinfo=zone)) < found.end_at:
        closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        slots = []
        for role in roles:
            held = [s for s in pieces[role] if s.start_at < closes and s.end_at > opens]
            shown = [s for s in held if not (s.holder is None and s.override is OFF)]
            if not shown:
                slots.append(Slot(role, None, "off hours", "off", ""))
            for shift in shown:
                slots.append(
                    Slot(
                        role,
                        shift.holder,
                        _hours(shift.start_at, shift.end_at, opens, closes, zone),
                        colour_of.get(shift.holder, "p0") if shift.holder else "gap",
                        _note(shift.override),
                    )
                )
        if all(slot.colour == "off" for slot in slots):
            slots = [Slot("", None, "off hours", "off", "")]  # once, not once per role
        today = opens <= now < closes
        if days and days[-1].slots == slots:
            days[-1] = Day(days[-1].first, day, days[-1].is_today or today, slots)
        else:
            days.append(Day(day, day, today, slots))
        day += timedelta(days=1)
    return [_daily(d) for d in days]


def _daily(day: Day) -> Day:
    """A run of days held for the same hours each day says so."""
    if day.first == day.last:
        return day
    slots = [
        s if s.hours in ("all day", "off hours") else replace(s, hours=f"{s.hours} daily")
        for s in day.slots
    ]
    return replace(day, slots=slots)


def _hours(
    start_at: datetime, end_at: datetime, opens: datetime, closes: datetime, zone: ZoneInfo
) -> str:
    starts, ends = start_at > opens, end_at < closes
    start, end = (
        start_at.astimezone(zone).strftime("%H:%M"),
        end_at.astimezone(zone).strftime("%H:%M"),
    )
    if starts and ends:
        return f"{start}–{end}"
    if starts:
        return f"from {start}"
    return f"until {end}" if ends else "all day"


def _note(override: Cover | None) -> str:
    if override is None or override is OFF:
        return ""
    covered = f"for {override.covered}" if override.covered else "override"
    return f"{covered}: {override.reason}" if override.reason else covered
