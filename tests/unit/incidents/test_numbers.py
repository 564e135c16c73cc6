"""An incident's numbers from its timeline: first response, first mitigation, last resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onwatch.incidents.numbers import Numbers, numbers, spoken

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_numbers_run_from_the_opening_to_each_first_step() -> None:
    found = numbers(
        T0,
        [("opened", T0), ("acknowledged", at(4)), ("mitigated", at(20)), ("resolved", at(65))],
    )
    assert found == Numbers(timedelta(minutes=4), timedelta(minutes=20), timedelta(minutes=65))


def test_an_open_incident_has_only_what_happened_so_far() -> None:
    assert numbers(T0, [("opened", T0), ("acknowledged", at(3))]) == Numbers(
        timedelta(minutes=3), None, None
    )
    assert numbers(T0, [("opened", T0)]) == Numbers(None, None, None)


def test_mitigating_without_acknowledging_is_the_first_response() -> None:
    found = numbers(T0, [("mitigated", at(7))])
    assert found.time_to_acknowledge == found.time_to_mitigate == timedelta(minutes=7)


def test_resolving_without_mitigating_ends_the_impact_at_the_resolution() -> None:
    found = numbers(T0, [("acknowledged", at(2)), ("resolved", at(30))])
    assert found.time_to_mitigate == found.time_to_resolve == timedelta(minutes=30)


def test_a_reopened_incident_keeps_its_first_response_and_counts_its_last_resolution() -> None:
    timeline = [
        ("acknowledged", at(2)),
        ("resolved", at(10)),
        ("reopened", at(40)),
        ("acknowledged", at(41)),
    ]
    reopened = numbers(T0, timeline)
    assert reopened == Numbers(timedelta(minutes=2), timedelta(minutes=10), None)
    again = numbers(T0, [*timeline, ("resolved", at(90))])
    assert again.time_to_resolve == timedelta(minutes=90)


def test_an_instant_before_the_opening_is_never_a_negative_number() -> None:
    assert numbers(T0, [("acknowledged", T0 - timedelta(seconds=1))]).time_to_acknowledge == (
        timedelta(0)
    )


def test_durations_read_as_people_say_them() -> None:
    assert spoken(None) == "—"
    assert spoken(timedelta(seconds=42)) == "42 s"
    assert spoken(timedelta(minutes=4, seconds=10)) == "4 min 10 s"
    assert spoken(timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert spoken(timedelta(days=3, hours=2)) == "3 d 2 h"
    assert spoken(timedelta(hours=1)) == "1 h"
