"""Seed playbook 003 through the API: two people on prod squad, primary and secondary, during
business hours; when the primary is on PTO the secondary takes over (and someone stands in as
secondary), declared as overrides in the example file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scenarios.conftest import Ask


@pytest.fixture
def ask(example: Callable[[str], Ask]) -> Ask:
    return example("003-prod-squad.yaml")


def on_call(ask: Ask, at: str) -> dict[str, str | None]:
    return {e["role"]: e["holder"] for e in ask(f"/schedules/prod-squad/oncall?at={at}")}


def test_the_pair_of_a_week(ask: Ask) -> None:
    assert on_call(ask, "2026-03-03T10:00:00-05:00") == {"primary": "mei", "secondary": "beatriz"}


def test_the_secondary_covers_the_primary_on_pto(ask: Ask) -> None:
    assert on_call(ask, "2026-03-10T11:00:00-04:00") == {"primary": "hana", "secondary": "mei"}
    [primary] = ask("/schedules/prod-squad/oncall?role=primary&at=2026-03-10T11:00:00-04:00")
    assert primary["override"]["covered"] == "beatriz"
    assert primary["override"]["reason"] == "PTO"
    # The week after, the rotation goes on: hana, the secondary of beatriz's week, is primary.
    assert on_call(ask, "2026-03-17T11:00:00-04:00") == {"primary": "hana", "secondary": "oskar"}


def test_nobody_is_on_call_after_hours_and_that_is_no_gap(ask: Ask) -> None:
    assert on_call(ask, "2026-03-10T18:00:00-04:00") == {"primary": None, "secondary": None}
    gaps = ask("/schedules/prod-squad/gaps?from=2026-03-02&to=2026-04-30")
    assert gaps["shifts"] == []
