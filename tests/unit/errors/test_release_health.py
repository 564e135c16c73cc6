"""Release health decided: each session counted once with its first terminal status, crash-free
rates from counts, and when a rule fires for a release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onwatch.errors.health.rates import (
    Counts,
    HealthRule,
    counts_in_window,
    crash_free_sessions,
    crash_free_users,
    dedup_key,
    session_delta,
    verdict,
)

RULE = HealthRule("crash-free", "crash_free_sessions", 99.0, 500)
T0 = datetime(2026, 3, 2, 14, tzinfo=UTC)


def test_a_new_session_counts_once_and_its_crash_when_it_ends() -> None:
    assert session_delta(None, "ok", 0) == ("ok", Counts(sessions=1))
    assert session_delta("ok", "crashed", 1) == ("crashed", Counts(crashed=1))


def test_a_session_sent_once_with_its_final_status_counts_both() -> None:
    assert session_delta(None, "crashed", 1) == ("crashed", Counts(sessions=1, crashed=1))
    assert session_delta(None, "exited", 2) == ("exited", Counts(sessions=1, errored=1))
    assert session_delta(None, "abnormal", 0) == ("abnormal", Counts(sessions=1, abnormal=1))


def test_an_update_after_the_terminal_one_adds_nothing() -> None:
    assert session_delta("crashed", "crashed", 1) == ("crashed", Counts())
    assert session_delta("exited", "crashed", 1) == ("exited", Counts())
    assert session_delta("ok", "ok", 3) == ("ok", Counts())


def test_crash_free_rates_are_percentages_of_sessions_and_users() -> None:
    counts = Counts(sessions=200, crashed=3, users=50, crashed_users=2)
    assert crash_free_sessions(counts) == 98.5
    assert crash_free_users(counts) == 96.0
    assert crash_free_sessions(Counts()) is None
    assert crash_free_users(Counts(sessions=4)) is None


def test_the_rule_fires_below_its_threshold_from_min_sessions_on() -> None:
    found = verdict(RULE, "production", Counts(sessions=500, crashed=6))
    assert found is not None and found.firing and found.rate == 98.8
    assert "below 99%" in found.reason


def test_the_rule_waits_for_min_sessions() -> None:
    found = verdict(RULE, "production", Counts(sessions=499, crashed=499))
    assert found is not None and not found.firing
    assert "fewer than 500" in found.reason


def test_the_rule_clears_at_its_threshold() -> None:
    found = verdict(RULE, "production", Counts(sessions=1000, crashed=10))
    assert found is not None and not found.firing and found.rate == 99.0


def test_a_rule_of_one_environment_leaves_others_alone() -> None:
    rule = HealthRule("prod", "crash_free_users", 90.0, 1, environment="production")
    assert verdict(rule, "staging", Counts(sessions=9, users=9, crashed_users=9)) is None
    found = verdict(rule, "production", Counts(sessions=9, users=10, crashed_users=2))
    assert found is not None and found.firing and found.rate == 80.0


def test_a_window_counts_the_hours_from_the_release_first_hour_only() -> None:
    hours = [(T0 + timedelta(hours=h), Counts(sessions=10, crashed=h)) for h in range(4)]
    assert counts_in_window(hours, T0, timedelta(hours=2)) == Counts(sessions=20, crashed=1)
    assert counts_in_window(hours, T0, None) == Counts(sessions=40, crashed=6)


def test_the_dedup_key_names_rule_environment_and_release() -> None:
    assert dedup_key("cf", "shop@2.0", "production") == "release-health:cf:production:shop@2.0"
    assert len(dedup_key("cf", "x" * 300, "production")) == 255
