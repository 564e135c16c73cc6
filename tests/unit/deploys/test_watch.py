"""The watch's decisions with literal times: its window, new and regressed issues, and a rise in
error rate against the hour before the deploy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onwatch.deploys.watch import DEFAULT_WINDOW, Activity, findings, is_over

DEPLOYED = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)


def _activity(**changes: object) -> Activity:
    values: dict[str, object] = {
        "issue_id": 1, "title": "KeyError: 'slot'", "first_seen_at": DEPLOYED - timedelta(days=3),
        "substatus": "ongoing", "substatus_at": DEPLOYED - timedelta(days=2), "in_window": 1,
        "before": 0,
    }  # fmt: skip
    return Activity(**(values | changes))  # type: ignore[arg-type]


def _kinds(activity: Activity, now: datetime) -> list[str]:
    return [f.kind for f in findings(DEPLOYED, DEFAULT_WINDOW, [activity], now)]


def test_an_issue_first_seen_after_the_deploy_is_new() -> None:
    first = DEPLOYED + timedelta(minutes=5)
    assert _kinds(_activity(first_seen_at=first), first) == ["new"]


def test_an_issue_regressed_after_the_deploy_is_regressed() -> None:
    at = DEPLOYED + timedelta(minutes=5)
    assert _kinds(_activity(substatus="regressed", substatus_at=at), at) == ["regressed"]


def test_an_issue_regressed_before_the_deploy_is_no_finding() -> None:
    at = DEPLOYED - timedelta(minutes=5)
    assert (
        _kinds(_activity(substatus="regressed", substatus_at=at), DEPLOYED + DEFAULT_WINDOW) == []
    )


def test_twice_the_rate_of_the_hour_before_with_ten_events_is_a_rise() -> None:
    # 60 events in the hour before: 1/min. 20 in the first 10 minutes: 2/min.
    now = DEPLOYED + timedelta(minutes=10)
    [found] = findings(DEPLOYED, DEFAULT_WINDOW, [_activity(in_window=20, before=60)], now)
    assert (found.kind, found.count) == ("rate", 20)
    assert found.detail == {"per_minute": 2.0, "per_minute_before": 1.0}


def test_just_under_twice_the_rate_is_no_rise() -> None:
    now = DEPLOYED + timedelta(minutes=10)
    assert _kinds(_activity(in_window=19, before=60), now) == []


def test_fewer_than_ten_events_are_no_rise_however_quiet_the_hour_before() -> None:
    now = DEPLOYED + timedelta(minutes=10)
    assert _kinds(_activity(in_window=9, before=0), now) == []
    assert _kinds(_activity(in_window=10, before=0), now) == ["rate"]


def test_the_rate_after_the_window_counts_its_minutes_only() -> None:
    # 240 events in the 120-minute window: 2/min, the hour before 1/min; read long after.
    later = DEPLOYED + timedelta(hours=5)
    assert _kinds(_activity(in_window=240, before=60), later) == ["rate"]


def test_the_window_is_over_at_its_end() -> None:
    assert not is_over(DEPLOYED, DEFAULT_WINDOW, DEPLOYED + timedelta(minutes=119))
    assert is_over(DEPLOYED, DEFAULT_WINDOW, DEPLOYED + timedelta(hours=2))
