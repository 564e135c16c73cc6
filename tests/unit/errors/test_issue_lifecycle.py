"""Issue states after an event, a resolution or a silence, at literal times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onwatch.errors.lifecycle import (
    Counts,
    State,
    after_event,
    is_regression,
    resolved,
    silenced,
)

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
NEW = State("unresolved", "new", T0, None, None)


def _resolved(mode: str, release: str | None = None) -> State:
    return resolved(
        NEW, mode=mode, release=release, releases_seen=["shop@1.0"], last_release="shop@1.0"
    )


def test_a_new_issue_turns_ongoing_after_a_week() -> None:
    assert after_event(NEW, None, Counts(2, 1), T0 + timedelta(days=6)) == NEW
    later = after_event(NEW, None, Counts(2, 1), T0 + timedelta(days=7))
    assert (later.status, later.substatus) == ("unresolved", "ongoing")


def test_resolved_now_regresses_on_any_event() -> None:
    after = after_event(_resolved("now"), "shop@1.0", Counts(3, 1), T0 + timedelta(hours=1))
    assert (after.status, after.substatus, after.substatus_at) == (
        "unresolved",
        "regressed",
        T0 + timedelta(hours=1),
    )


def test_resolved_in_next_release_holds_for_releases_seen_before() -> None:
    state = _resolved("next_release")
    assert after_event(state, "shop@1.0", Counts(3, 1), T0).status == "resolved"
    assert after_event(state, None, Counts(3, 1), T0).status == "resolved"
    assert after_event(state, "shop@1.1", Counts(3, 1), T0).substatus == "regressed"


def test_next_release_without_any_release_seen_means_now() -> None:
    state = resolved(NEW, mode="next_release", release=None, releases_seen=[], last_release=None)
    assert state.resolution == {"mode": "now", "releases_before": []}


def test_resolved_in_a_release_regresses_in_it_and_later_versions_only() -> None:
    resolution = _resolved("release", "shop@1.2.0").resolution or {}
    assert not is_regression(resolution, "shop@1.1.9")
    assert is_regression(resolution, "shop@1.2.0")
    assert is_regression(resolution, "shop@1.10.0")
    assert not is_regression(resolution, "shop@1.0")  # seen before, and older
    assert is_regression(resolution, "nightly-abc")  # not comparable, never seen


def test_a_silence_holds_until_n_more_events() -> None:
    state = silenced(NEW, until=None, events=100, users=None, counts=Counts(10, 2))
    assert after_event(state, None, Counts(109, 5), T0).status == "silenced"
    over = after_event(state, None, Counts(110, 5), T0)
    assert (over.status, over.substatus, over.silence) == ("unresolved", "ongoing", None)


def test_a_silence_holds_until_n_more_users_or_a_time() -> None:
    state = silenced(NEW, until=T0 + timedelta(hours=2), events=None, users=3, counts=Counts(10, 2))
    assert after_event(state, None, Counts(50, 4), T0 + timedelta(hours=1)).status == "silenced"
    assert after_event(state, None, Counts(50, 5), T0 + timedelta(hours=1)).status == "unresolved"
    assert after_event(state, None, Counts(50, 2), T0 + timedelta(hours=2)).status == "unresolved"
