"""When the commander is reminded to send an update, and the first update's deadline for a
critical incident: literal instants, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from onwatch.core.errors import Invalid
from onwatch.stakeholders import policy, unsubscribe

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def due(**changes: Any) -> policy.Due:
    values: dict[str, Any] = dict(
        severity="sev1", is_open=True, opened_at=T0, last_update_at=None, reminded_at=None,
        snoozed_until=None, deadline_reminded_at=None, breached_at=None, now=T0,
    )  # fmt: skip
    values.update(changes)
    return policy.what_is_due(policy.DEFAULTS, **values)


def test_a_sev1_commander_is_reminded_30_minutes_after_the_start_then_every_30() -> None:
    assert not due(now=T0 + 29 * MIN).remind_commander
    assert due(now=T0 + 29 * MIN).next_at == T0 + 30 * MIN
    assert due(now=T0 + 30 * MIN).remind_commander
    assert due(now=T0 + 30 * MIN).next_at == T0 + 60 * MIN
    assert not due(reminded_at=T0 + 30 * MIN, now=T0 + 59 * MIN).remind_commander


def test_an_update_restarts_the_interval_and_sev2_waits_an_hour() -> None:
    assert not due(last_update_at=T0 + 20 * MIN, now=T0 + 49 * MIN).remind_commander
    assert due(last_update_at=T0 + 20 * MIN, now=T0 + 50 * MIN).remind_commander
    assert not due(severity="sev2", now=T0 + 59 * MIN).remind_commander
    assert due(severity="sev2", now=T0 + 60 * MIN).remind_commander
    assert due(severity="sev3", now=T0 + 600 * MIN).next_at is None


def test_a_snooze_holds_the_reminder_until_it_ends() -> None:
    snoozed = T0 + 90 * MIN
    assert not due(snoozed_until=snoozed, now=T0 + 89 * MIN).remind_commander
    assert due(snoozed_until=snoozed, now=T0 + 89 * MIN).next_at == snoozed
    assert due(snoozed_until=snoozed, now=snoozed).remind_commander


def test_a_critical_incident_without_an_update_reminds_its_owner_then_breaches_at_24h() -> None:
    quiet = dict(reminded_at=T0 + 23 * 60 * MIN)
    assert not due(now=T0 + 22 * 60 * MIN - MIN, **quiet).remind_owner
    assert due(now=T0 + 22 * 60 * MIN, **quiet).remind_owner
    assert not due(now=T0 + 24 * 60 * MIN - MIN, **quiet).breach
    assert due(now=T0 + 24 * 60 * MIN, **quiet).breach
    assert not due(now=T0 + 24 * 60 * MIN, breached_at=T0 + 24 * 60 * MIN, **quiet).breach
    assert not due(now=T0 + 30 * 60 * MIN, last_update_at=T0 + 60 * MIN).breach
    assert not due(severity="sev2", now=T0 + 30 * 60 * MIN).breach


def test_a_resolved_incident_is_not_reminded_but_can_still_breach() -> None:
    assert not due(is_open=False, now=T0 + 120 * MIN).remind_commander
    assert due(is_open=False, now=T0 + 24 * 60 * MIN).breach


def test_a_teams_settings_replace_the_defaults_and_bad_ones_are_refused() -> None:
    spec = policy.StakeholdersSpec(
        team="arrival", update_every={"sev1": "15m"},
        first_update={"severities": ["sev1", "sev2"], "within": "12h", "remind_before": "1h"},
    )  # fmt: skip
    settings = policy.settings_of(spec)
    assert settings.update_every == {"sev1": timedelta(minutes=15)}
    assert policy.first_update_deadline(settings, "sev2", T0) == policy.Deadline(
        T0 + timedelta(hours=12), T0 + timedelta(hours=11)
    )
    with pytest.raises(ValidationError, match="templates.subject"):
        policy.StakeholdersSpec(team="arrival", templates={"subject": "{% if %}"})
    with pytest.raises(ValidationError, match="listed twice"):
        policy.StakeholdersSpec(team="arrival", subscribers=["a@example.org", "A@example.org"])


def test_an_unsubscribe_token_names_its_address_and_refuses_an_edit() -> None:
    key = b"k" * 32
    token = unsubscribe.token("Ann@Example.org", key)
    assert unsubscribe.read(token, key) == "ann@example.org"
    encoded, _, signature = token.partition(".")
    other = unsubscribe.token("bob@example.org", key).partition(".")[0]
    for forged in (
        f"{other}.{signature}",
        token + "x",
        "nothing",
        unsubscribe.token("a@b.c", b"o" * 32),
    ):
        with pytest.raises(Invalid):
            unsubscribe.read(forged, key)
    assert unsubscribe.headers("https://o.example.org/", "ann@example.org", key) == {
        "List-Unsubscribe": f"<https://o.example.org/unsubscribe/{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
