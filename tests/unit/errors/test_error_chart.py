"""The events-over-time chart of an error issue: 24 hourly and 14 daily bars ending now, counts
summed per day, bar heights scaled to the peak, and a summary a screen reader can say."""

from __future__ import annotations

from datetime import UTC, datetime

from onwatch.errors.chart import HEIGHT, charts

NOW = datetime(2026, 3, 10, 14, 25, tzinfo=UTC)


def test_hours_and_days_end_now_with_counts_summed_per_day_and_scaled_to_the_peak() -> None:
    hours = [
        (datetime(2026, 3, 10, 14, tzinfo=UTC), 8),
        (datetime(2026, 3, 10, 9, tzinfo=UTC), 2),
        (datetime(2026, 3, 9, 15, tzinfo=UTC), 4),  # 23 hours ago: the first hourly bar
        (datetime(2026, 3, 9, 14, tzinfo=UTC), 1),  # 24 hours ago: a day's, not an hour's
        (datetime(2026, 2, 20, 0, tzinfo=UTC), 50),  # older than 14 days: in neither
    ]
    hourly, daily = charts(hours, NOW)
    assert len(hourly.bars) == 24 and len(daily.bars) == 14
    assert (hourly.bars[0].label, hourly.bars[0].events) == ("15:00", 4)
    assert (hourly.bars[-1].label, hourly.bars[-1].events) == ("14:00", 8)
    assert (hourly.total, hourly.peak) == (14, 8)
    assert [(b.label, b.events) for b in daily.bars[-2:]] == [("Mar 9", 5), ("Mar 10", 10)]
    assert daily.bars[0].label == "Feb 25" and daily.total == 15
    tallest, small = hourly.bars[-1], hourly.bars[0]
    assert (tallest.y, tallest.height) == (0, HEIGHT)
    assert small.height == HEIGHT / 2 and small.y == HEIGHT / 2
    assert "Events per hour, last 24 hours: 14 events, at most 8 in one." in hourly.summary
    assert "14:00 8" in hourly.summary and "09:00 2" in hourly.summary


def test_one_event_among_many_still_shows_and_no_events_draws_no_bars() -> None:
    hours = [
        (datetime(2026, 3, 10, 14, tzinfo=UTC), 1000),
        (datetime(2026, 3, 10, 13, tzinfo=UTC), 1),
    ]
    hourly, _ = charts(hours, NOW)
    assert hourly.bars[-2].height == 2.0
    empty, _ = charts([], NOW)
    assert empty.total == 0 and all(b.height == 0 for b in empty.bars)
