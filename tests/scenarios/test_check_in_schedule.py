"""Seed playbook 002 through the API: business hours 07:00-20:00 Eastern on weekdays, US holidays
outside, acknowledgement within 15 minutes inside business hours and 60 minutes outside."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scenarios.conftest import Ask


@pytest.mark.parametrize(
    ("at", "is_open", "deadline"),
    [
        ("2026-11-26T12:00:00-05:00", False, "1h"),  # Thanksgiving 2026
        ("2026-11-28T12:00:00-05:00", False, "1h"),  # a Saturday
        ("2026-11-24T19:59:00-05:00", True, "15m"),  # a Tuesday, a minute before closing
        ("2026-11-24T20:00:00-05:00", False, "1h"),  # the same Tuesday at closing time
    ],
)
def test_the_deadline_depends_on_when_the_page_arrives(
    example: Callable[[str], Ask], at: str, is_open: bool, deadline: str
) -> None:
    ask = example("002-check-in.yaml")
    status = ask(f"/calendars/check-in-business-hours/status?at={at}")
    assert (status["open"], status["ack_deadline"]) == (is_open, deadline)
