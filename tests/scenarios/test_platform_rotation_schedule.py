"""Seed playbook 004 through the API: on-call duty follows two-week sprints that start on a
Wednesday, a primary and a secondary each, and the secondary of one sprint is the next primary."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scenarios.conftest import Ask

# Sprint by sprint from Wednesday 2026-01-07, duty passing at 10:00 New York time.
SIX_SPRINTS = [
    # first day, primary, secondary
    ("2026-01-07", "zainab", "piotr"),
    ("2026-01-21", "piotr", "camille"),
    ("2026-02-04", "camille", "devendra"),
    ("2026-02-18", "devendra", "sunniva"),
    ("2026-03-04", "sunniva", "zainab"),
    ("2026-03-18", "zainab", "piotr"),
]


@pytest.fixture
def ask(example: Callable[[str], Ask]) -> Ask:
    return example("004-platform-rotation.yaml")


def holders(ask: Ask, at: str) -> tuple[str | None, ...]:
    entries = ask(f"/schedules/relay-on-call/oncall?at={at}")
    return tuple(e["holder"] for e in entries)


def test_six_sprints_follow_the_written_table(ask: Ask) -> None:
    for first_day, primary, secondary in SIX_SPRINTS:
        starts_at = f"{first_day}T10:00:00{_offset(first_day)}"
        assert holders(ask, starts_at) == (primary, secondary), first_day
    # Not a minute early: the first pair holds until 10:00 on the second Wednesday.
    assert holders(ask, "2026-01-21T09:59:00-05:00") == ("zainab", "piotr")
    assert holders(ask, "2026-01-21T10:00:00-05:00") == ("piotr", "camille")


def test_each_secondary_is_the_next_sprints_primary(ask: Ask) -> None:
    shifts = ask("/schedules/relay-on-call/shifts?from=2026-01-07T10:00:00-05:00&to=2026-04-01")
    by_role = {
        role: [(s["holder"], s["start_at"]) for s in shifts["shifts"] if s["role"] == role]
        for role in ("primary", "secondary")
    }
    assert [h for h, _ in by_role["primary"]][1:] == [h for h, _ in by_role["secondary"]][:-1]
    # Sprints start on Wednesdays at 10:00 local, before and after the DST change (2026-03-08).
    assert [at for _, at in by_role["primary"]] == [
        "2026-01-07T15:00:00Z",
        "2026-01-21T15:00:00Z",
        "2026-02-04T15:00:00Z",
        "2026-02-18T15:00:00Z",
        "2026-03-04T15:00:00Z",
        "2026-03-18T14:00:00Z",
    ]


def test_the_next_handoff_names_who_comes_in(ask: Ask) -> None:
    # The clock stands at Monday 2026-03-02: the fifth sprint starts on Wednesday.
    assert ask("/schedules/relay-on-call/handoffs/next?role=primary") == {
        "schedule": "relay-on-call",
        "role": "primary",
        "at": "2026-03-04T15:00:00Z",
        "outgoing": "devendra",
        "incoming": "sunniva",
    }
    assert (
        ask("/schedules/relay-on-call/gaps?from=2026-01-07T10:00:00-05:00&to=2026-12-31")["shifts"]
        == []
    )


def _offset(day: str) -> str:
    return "-04:00" if day >= "2026-03-08" else "-05:00"
