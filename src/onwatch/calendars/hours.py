"""Business hours: whether a calendar is open at an instant, its open intervals over a range, and
when it next opens or closes. Holidays and extra closed or open dates act on whole local dates,
00:00 to 00:00, whichever window would be open then (docs/schedules.md, "Time rules")."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onwatch.calendars.instants import wall_instant
from onwatch.core.clock import ensure_utc
from onwatch.core.errors import FieldError, Invalid

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """Opens at `opens` (local time in `time_zone`) on each of `weekdays` (0 = Monday, read in that
    zone) and closes at the next `closes` after that, read in `closes_time_zone` (default: the same
    zone). 09:00-17:00 is a working day, 22:00-06:00 a night, 00:00-00:00 a whole day, and
    09:00 New York to 17:00 Los Angeles a coverage day that spans two zones."""

    weekdays: frozenset[int]
    opens: time
    closes: time
    time_zone: ZoneInfo
    closes_time_zone: ZoneInfo | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        errors = []
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            errors.append(FieldError("days", "give at least one day, numbered 0 (Monday) to 6"))
        for name in ("opens", "closes"):
            if getattr(self, name).tzinfo is not None:
                errors.append(FieldError(name, "a local time carries no time zone"))
        if errors:
            raise Invalid(errors)


@dataclass(frozen=True)
class HolidaySet:
    """Public holidays of a country (ISO 3166 code) and optionally one of its subdivisions, as the
    `holidays` library knows them; observed days (a Friday for a Saturday holiday) included."""

    country: str = "US"
    subdivision: str | None = None
    # Holidays worked out when the calendar was stored, by year: reading them back spares the
    # reader the library (see below). A year not among them is asked of the library.
    known: Mapping[int, Mapping[date, str]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.known:
            return  # country and subdivision were checked when these were worked out
        if not is_holiday_country(self.country):
            raise Invalid(f"unknown holiday country {self.country!r}", field="country")
        if self.subdivision is not None and not is_holiday_subdivision(
            self.country, self.subdivision
        ):
            raise Invalid(
                f"{self.country} has no subdivision {self.subdivision!r}", field="subdivision"
            )

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self._of(day.year)

    def name_of(self, day: date) -> str | None:
        """The holiday's name, or None on an ordinary day."""
        return self._of(day.year).get(day)

    def _of(self, year: int) -> Mapping[date, str]:
        known = self.known.get(year)
        return known if known is not None else _holidays_of(self.country, self.subdivision, year)


def holidays_by_year(holidays: HolidaySet, years: range) -> dict[int, dict[date, str]]:
    """The holidays of each year in `years`, as a calendar stores them (HolidaySet.known)."""
    country, subdivision = holidays.country, holidays.subdivision
    return {year: dict(_holidays_of(country, subdivision, year)) for year in years}


# The holidays library is imported when a holiday is first asked about, not with this module:
# its package takes about 0.1 s to import and its first country another 0.1 s (it loads all of
# them), which commands that never look at a holiday (most CLI calls) should not pay.


def is_holiday_country(code: str) -> bool:
    """Whether the holidays library knows the country `code` (ISO 3166, or an alias such as UK),
    read from its registry without loading any country's rules."""
    from holidays.registry import EntityLoader  # on first use, for startup speed (see above)

    return code in set(EntityLoader.get_country_codes(include_aliases=True))


def is_holiday_subdivision(country: str, subdivision: str) -> bool:
    import holidays  # on first use, for startup speed (see above)

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=512)
def _holidays_of(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays  # on first use, for startup speed (see above)

    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year).items())


@dataclass(frozen=True)
class Calendar:
    """Open during its windows, except on holidays and closed dates. A window runs on the days it
    opens on (a Friday night runs into Saturday); a holiday or closed date closes its own local
    date from 00:00 to 00:00, so it cuts the night before at midnight and the night it starts
    resumes at midnight. An extra open date cancels a holiday or closed date and runs the hours
    of its weekday or, when that weekday has none (a weekend), the hours of the nearest earlier
    weekday that has some."""

    windows: tuple[Window, ...]
    holidays: HolidaySet | None = None
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "open_dates", frozenset(self.open_dates))


def is_open(calendar: Calendar, at: datetime) -> bool:
    at = ensure_utc(at)
    for window in calendar.windows:
        today = at.astimezone(window.time_zone).date()
        if _is_closed_on(calendar, today):
            continue
        # A window lasts at most a day (plus a DST hour), so only the last three dates can hold it.
        for day in (today, today - ONE_DAY, today - 2 * ONE_DAY):
            if _runs_on(calendar, window, day):
                start_at, end_at = window_span(window, day)
                if start_at <= at < end_at:
                    return True
    return False


def open_intervals(
    calendar: Calendar, start_at: datetime, end_at: datetime
) -> list[tuple[datetime, datetime]]:
    """The calendar's open time within [start_at, end_at): sorted, merged, clipped to the range."""
    start_at, end_at = ensure_utc(start_at), ensure_utc(end_at)
    spans: list[tuple[datetime, datetime]] = []
    for window in calendar.windows:
        day = start_at.astimezone(window.time_zone).date() - 2 * ONE_DAY
        last = end_at.astimezone(window.time_zone).date()
        while day <= last:
            if _runs_on(calendar, window, day):
                for opens_at, closes_at in _open_parts(calendar, window, day):
                    if opens_at < end_at and closes_at > start_at:
                        spans.append((max(opens_at, start_at), min(closes_at, end_at)))
            day += ONE_DAY
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for opens_at, closes_at in spans:
        if merged and opens_at <= merged[-1][1]:
            if closes_at > merged[-1][1]:
                merged[-1] = (merged[-1][0], closes_at)
        else:
            merged.append((opens_at, closes_at))
    return merged


def next_change(
    calendar: Calendar, at: datetime, within: timedelta = timedelta(days=400)
) -> datetime | None:
    """The first instant after `at` at which the calendar opens (if closed at `at`) or closes (if
    open); None when it does not flip before `at + within`. Searched in stretches of 8, 16, 32…
    days, each picking up where the last one ended."""
    at = ensure_utc(at)
    was_open = is_open(calendar, at)
    limit_at = at + within
    low_at, step = at, timedelta(days=8)
    while low_at < limit_at:
        high_at = min(low_at + step, limit_at)
        intervals = open_intervals(calendar, low_at, high_at)
        if not was_open:
            if intervals:
                return intervals[0][0]
        elif not intervals or intervals[0][0] > low_at:
            # Open up to the end of the last stretch but not at its start: it closed exactly on
            # the seam (a 24/7 calendar asked at midnight eight days before a holiday).
            return low_at
        elif intervals[0][1] < high_at:
            return intervals[0][1]
        low_at, step = high_at, step * 2
    return None


def window_span(window: Window, day: date) -> tuple[datetime, datetime]:
    """When the window that opens on local `day` opens and closes, in UTC."""
    return _span(window, day)


@functools.lru_cache(maxsize=16384)
def _span(window: Window, day: date) -> tuple[datetime, datetime]:
    opens_at = _instant(day, window.opens, window.time_zone)
    closes_zone = window.closes_time_zone or window.time_zone
    if closes_zone == window.time_zone:
        # Decided on the wall clock: 02:15-02:45 on the night the clocks skip that hour is empty
        # (both ends are 03:00), not a window that closes at 02:45 the next night.
        closes_day = day + ONE_DAY if window.closes <= window.opens else day
        return opens_at, _instant(closes_day, window.closes, closes_zone)
    closes_day = opens_at.astimezone(closes_zone).date()
    closes_at = _instant(closes_day, window.closes, closes_zone)
    if closes_at <= opens_at:
        closes_at = _instant(closes_day + ONE_DAY, window.closes, closes_zone)
    return opens_at, closes_at


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return wall_instant(datetime.combine(day, wall), zone)


def _open_parts(calendar: Calendar, window: Window, day: date) -> list[tuple[datetime, datetime]]:
    """The window that opens on `day`, less the local dates it reaches that are closed."""
    parts: list[tuple[datetime, datetime]] = []
    for local, opens_at, closes_at in _by_date(window, day):
        if _is_closed_on(calendar, local):
            continue
        if parts and parts[-1][1] == opens_at:
            parts[-1] = (parts[-1][0], closes_at)
        else:
            parts.append((opens_at, closes_at))
    return parts


@functools.lru_cache(maxsize=16384)
def _by_date(window: Window, day: date) -> tuple[tuple[date, datetime, datetime], ...]:
    """The window that opens on `day` cut at each local midnight it crosses, with each piece's
    local date (in the window's opening zone: the zone its days are read in)."""
    opens_at, closes_at = window_span(window, day)
    local = opens_at.astimezone(window.time_zone).date()
    pieces = []
    while opens_at < closes_at:
        cut_at = min(closes_at, _instant(local + ONE_DAY, time(0), window.time_zone))
        pieces.append((local, opens_at, cut_at))
        opens_at, local = cut_at, local + ONE_DAY
    return tuple(pieces)


def _runs_on(calendar: Calendar, window: Window, day: date) -> bool:
    """Whether the window opens on local `day`: its weekday, or an open date working as one. Closed
    dates do not stop it opening; they close their own date (_is_closed_on)."""
    if day in calendar.open_dates:
        return _working_weekday(calendar, day) in window.weekdays
    return day.weekday() in window.weekdays


def _is_closed_on(calendar: Calendar, day: date) -> bool:
    if day in calendar.open_dates:
        return False
    return day in calendar.closed_dates or (
        calendar.holidays is not None and day in calendar.holidays
    )


def _working_weekday(calendar: Calendar, day: date) -> int:
    covered = set().union(*(w.weekdays for w in calendar.windows)) if calendar.windows else set()
    for back in range(7):
        weekday = (day.weekday() - back) % 7
        if weekday in covered:
            return weekday
    return day.weekday()
