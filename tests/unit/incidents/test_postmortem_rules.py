"""The post-mortem rules, pure: each rule holds or not, at its threshold and past it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from onwatch.incidents.postmortem_rules import (
    DEFAULT_RULES,
    Facts,
    Rules,
    duration_due,
    grown,
    lasted,
    required,
)

OPENED = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
NOW = OPENED + timedelta(hours=1)
QUIET = Facts(severity="sev3", opened_at=OPENED)


def test_a_quiet_short_minor_incident_requires_none() -> None:
    assert required(QUIET, DEFAULT_RULES, NOW) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"runbook_used": True}, "a runbook was used"),
        ({"users_share": 12.5}, "more than 5% of users were affected"),
        ({"security": True}, "it involved security or personal data"),
        ({"triage": "data_corrupting"}, "it may have corrupted data"),
        ({"other_team_acted": True}, "another team had to act"),
        ({"out_of_band_release": True}, "an out-of-band release was needed"),
        ({"severity": "sev1"}, "its severity is sev1"),
        (
            {"severity": "sev1", "severity_names": {"sev1": "Critical"}},
            "its severity is sev1 (Critical)",
        ),
        ({"resolved_at": OPENED + timedelta(hours=5)}, "it lasted longer than 4h"),
    ],
)
def test_each_rule_names_its_reason(change: dict[str, object], reason: str) -> None:
    assert required(replace(QUIET, **change), DEFAULT_RULES, NOW) == [reason]  # type: ignore[arg-type]


def test_each_rule_turned_off_holds_no_more() -> None:
    everything = replace(
        QUIET, severity="sev1", security=True, users_share=90, runbook_used=True,
        other_team_acted=True, out_of_band_release=True, triage="data_corrupting",
    )  # fmt: skip
    off = Rules(
        users_share_above=None, longer_than=None, severities=(), runbook_used=False,
        security_or_data=False, other_team_acted=False, out_of_band_release=False,
    )  # fmt: skip
    assert required(everything, off, OPENED + timedelta(days=3)) == []
    assert len(required(everything, DEFAULT_RULES, OPENED + timedelta(days=3))) == 8


def test_a_share_at_the_threshold_is_not_above_it() -> None:
    rules = Rules(users_share_above=10)
    assert required(replace(QUIET, users_share=10), rules, NOW) == []
    assert required(replace(QUIET, users_share=10.01), rules, NOW) == [
        "more than 10% of users were affected"
    ]
    assert required(replace(QUIET, users_share=None), Rules(users_share_above=0), NOW) == []


def test_an_open_incident_lasts_until_now_and_a_resolved_one_until_it_was_resolved() -> None:
    rules = Rules(longer_than=timedelta(hours=2))
    assert required(QUIET, rules, OPENED + timedelta(hours=2)) == []
    assert required(QUIET, rules, OPENED + timedelta(hours=2, seconds=1)) == [
        "it lasted longer than 2h"
    ]
    resolved = replace(QUIET, resolved_at=OPENED + timedelta(minutes=30))
    assert lasted(resolved, OPENED + timedelta(days=1)) == timedelta(minutes=30)
    assert required(resolved, rules, OPENED + timedelta(days=1)) == []


def test_severities_are_the_teams_choice() -> None:
    rules = Rules(severities=("sev1", "sev2"))
    assert required(replace(QUIET, severity="sev2"), rules, NOW) == ["its severity is sev2"]
    assert required(replace(QUIET, severity="sev1"), Rules(severities=()), NOW) == []


def test_reasons_only_grow() -> None:
    noted = ["a runbook was used"]
    assert grown(noted, ["a runbook was used", "another team had to act"]) == [
        "another team had to act"
    ]
    assert grown(noted, []) == []


def test_the_duration_rule_is_due_just_past_its_threshold_while_open() -> None:
    due = duration_due(QUIET, DEFAULT_RULES)
    assert due is not None and due > OPENED + timedelta(hours=4)
    assert required(QUIET, DEFAULT_RULES, due) == ["it lasted longer than 4h"]
    assert duration_due(replace(QUIET, resolved_at=NOW), DEFAULT_RULES) is None
    assert duration_due(QUIET, Rules(longer_than=None)) is None
