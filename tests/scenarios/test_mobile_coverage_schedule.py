"""Seed playbook 001 through the API: the team answers only Monday to Friday from 9 am Eastern to
5 pm Pacific, one coverage window whose ends sit in two time zones."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scenarios.conftest import Ask


@pytest.fixture
def ask(example: Callable[[str], Ask]) -> Ask:
    return example("001-mobile.yaml")


@pytest.mark.parametrize(
    ("at", "is_open", "holder"),
    [
        ("2026-03-06T08:59:00-05:00", False, None),  # Friday, before 9 am Eastern
        ("2026-03-06T09:00:00-05:00", True, "henrik"),
        ("2026-03-06T16:59:00-08:00", True, "henrik"),  # Friday, 4:59 pm Pacific
        ("2026-03-06T17:00:00-08:00", False, None),  # 5 pm Pacific: 8 pm Eastern
        ("2026-03-07T12:00:00-05:00", False, None),  # Saturday
    ],
)
def test_coverage_runs_from_9_eastern_to_5_pacific_on_weekdays(
    ask: Ask, at: str, is_open: bool, holder: str | None
) -> None:
    assert ask(f"/calendars/mobile-coverage/status?at={at}")["open"] is is_open
    [entry] = ask(f"/schedules/mobile-on-call/oncall?at={at}")
    assert entry["holder"] == holder


def test_nights_and_weekends_are_no_gap(ask: Ask) -> None:
    assert ask("/schedules/mobile-on-call/gaps?from=2026-03-02&to=2026-03-30")["shifts"] == []
