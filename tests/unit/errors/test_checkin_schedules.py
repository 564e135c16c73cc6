"""A check-in's monitor_config schedule as a heartbeat interval: the longest wait between runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.integrations.sentry_checkins import schedule_interval


@pytest.mark.parametrize(
    ("schedule", "interval"),
    [
        ({"type": "crontab", "value": "*/5 * * * *"}, timedelta(minutes=5)),
        ({"type": "crontab", "value": "0 * * * *"}, timedelta(hours=1)),
        ({"type": "crontab", "value": "0 9,17 * * *"}, timedelta(hours=16)),
        ({"type": "crontab", "value": "30 2 * * 1-5"}, timedelta(days=3)),  # Friday to Monday
        ({"type": "crontab", "value": "0 0 1 * *"}, timedelta(days=31)),
        ({"type": "crontab", "value": "0 0 1,15 * 0"}, timedelta(days=7)),  # either day field
        ({"type": "interval", "value": 2, "unit": "hour"}, timedelta(hours=2)),
        ({"type": "interval", "value": 1, "unit": "week"}, timedelta(weeks=1)),
    ],
)
def test_a_schedule_gives_its_longest_wait(schedule: dict, interval: timedelta) -> None:
    assert schedule_interval({"schedule": schedule}) == interval


@pytest.mark.parametrize(
    "schedule",
    [
        {"type": "crontab", "value": "0 0 31 2 *"},  # never runs
        {"type": "crontab", "value": "@daily"},
        {"type": "crontab", "value": "0 25 * * *"},
        {"type": "interval", "value": 0, "unit": "hour"},
        {"type": "interval", "value": 3, "unit": "fortnight"},
        "0 * * * *",
    ],
)
def test_a_schedule_onwatch_cannot_use_gives_none(schedule: object) -> None:
    assert schedule_interval({"schedule": schedule}) is None
