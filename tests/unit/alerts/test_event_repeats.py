"""How many times in a row each kept event of an alert happened (alerts.queries.event_repeats):
repeats of a trigger with the same body are counted by the alert, not stored one by one."""

from __future__ import annotations

from onwatch.alerts.models import AlertEventRecord
from onwatch.alerts.queries import event_repeats


def kept(*rows: tuple[str, int]) -> list[AlertEventRecord]:
    """(action, seq) newest first, as alerts.queries.alert_events returns them."""
    return [AlertEventRecord(action=action, seq=seq) for action, seq in rows]


def test_the_newest_event_counts_every_repeat_up_to_the_alert_total():
    assert event_repeats(kept(("trigger", 3), ("trigger", 1)), event_count=7) == [5, 2]


def test_a_release_is_once_and_does_not_end_the_run_before_it():
    # trigger #4 was repeated through #6, then the hold ended; #7 is a trigger after it
    events = kept(("trigger", 7), ("release", 6), ("trigger", 4), ("acknowledge", 3))
    assert event_repeats(events, event_count=7) == [1, 1, 3, 1]


def test_events_trimmed_away_do_not_change_the_counts_of_those_kept():
    assert event_repeats(kept(("resolve", 250), ("trigger", 240)), event_count=250) == [1, 10]
    assert event_repeats([], event_count=250) == []
