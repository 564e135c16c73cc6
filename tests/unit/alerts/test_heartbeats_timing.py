"""When a heartbeat's next ping counts as missed, and how its spec reads and writes durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from onwatch.alerts.heartbeats import HeartbeatSpec, is_missed, late_at

PING = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_a_ping_is_late_after_interval_plus_grace() -> None:
    assert late_at(PING, timedelta(days=1), timedelta(minutes=30)) == datetime(
        2026, 3, 3, 2, 30, tzinfo=UTC
    )


def test_missed_exactly_at_the_deadline_and_never_without_one() -> None:
    due = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    assert not is_missed(due, due - timedelta(seconds=1))
    assert is_missed(due, due)
    assert not is_missed(None, due)


def test_spec_reads_and_writes_durations_as_people_write_them() -> None:
    spec = HeartbeatSpec(name="nightly", service="backups", interval="1d", grace="30m")
    assert (spec.interval, spec.grace) == (timedelta(days=1), timedelta(minutes=30))
    assert spec.model_dump(mode="json") == {
        "name": "nightly",
        "service": "backups",
        "interval": "1d",
        "grace": "30m",
        "severity": "critical",
    }


@pytest.mark.parametrize(("interval", "grace"), [("5s", "1m"), ("1h", "-1")])
def test_too_short_an_interval_or_a_negative_grace_is_refused(interval: str, grace: str) -> None:
    with pytest.raises(ValidationError):
        HeartbeatSpec(name="x", service="y", interval=interval, grace=grace)
