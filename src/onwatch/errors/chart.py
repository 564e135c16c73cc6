"""The bars of an issue's events-over-time chart: events per hour over the last 24 hours and per
day over the last 14 days, from its counts by hour (UTC). Pure: the counts and `now` in, bars out
with their geometry, for a server-rendered SVG."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

HOURS, DAYS = 24, 14
WIDTH, HEIGHT = 336, 80  # the SVG's viewBox: it scales to the width it is given


@dataclass(frozen=True)
class Bar:
    start_at: datetime
    label: str
    events: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    total: int
    peak: int

    @property
    def summary(self) -> str:
        """What a screen reader says: the total, the peak and every bar's count."""
        counts = ", ".join(f"{b.label} {b.events}" for b in self.bars)
        return f"{self.title}: {self.total} events, at most {self.peak} in one. {counts}"


def charts(hours: Iterable[tuple[datetime, int]], now: datetime) -> list[Chart]:
    """Last 24 hours by hour and last 14 days by day; the current hour and day included."""
    counts = dict(hours)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    hourly = [
        (at, counts.get(at, 0), f"{at:%H}:00")
        for at in (this_hour - timedelta(hours=n) for n in range(HOURS - 1, -1, -1))
    ]
    today = this_hour.replace(hour=0)
    daily = []
    for n in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=n)
        events = sum(c for at, c in counts.items() if day <= at < day + timedelta(days=1))
        daily.append((day, events, f"{day:%b} {day.day}"))
    return [_chart("Events per hour, last 24 hours", hourly), _chart("Events per day, last 14 days",
            daily)]  # fmt: skip


def _chart(title: str, values: list[tuple[datetime, int, str]]) -> Chart:
    peak = max((events for _, events, _ in values), default=0)
    step = WIDTH / len(values)
    bars = []
    for index, (at, events, label) in enumerate(values):
        # A bar with events is at least 2 units tall, so one event among thousands shows.
        height = 0.0 if events == 0 else max(2.0, HEIGHT * events / peak)
        bars.append(
            Bar(at, label, events, round(index * step + 1, 2), round(HEIGHT - height, 2),
                round(step - 2, 2), round(height, 2))
        )  # fmt: skip
    return Chart(title, bars, sum(events for _, events, _ in values), peak)
