"""The lifecycle's moves, its refusals (each naming what is allowed) and its instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onwatch.core.errors import Conflict
from onwatch.incidents import lifecycle

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "move", "to"),
    [
        ("triggered", "acknowledge", "acknowledged"),
        ("triggered", "mitigate", "mitigated"),
        ("acknowledged", "mitigate", "mitigated"),
        ("triggered", "resolve", "resolved"),
        ("acknowledged", "resolve", "resolved"),
        ("mitigated", "resolve", "resolved"),
        ("resolved", "close", "closed"),
    ],
)
def test_each_allowed_move_brings_its_status(status: str, move: lifecycle.Move, to: str) -> None:
    assert lifecycle.target(status, move, ever_acknowledged=False) == to


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_reopening_lands_on_acknowledged_only_if_it_ever_was(status: str) -> None:
    assert lifecycle.target(status, "reopen", ever_acknowledged=True) == "acknowledged"
    assert lifecycle.target(status, "reopen", ever_acknowledged=False) == "triggered"


def test_allowed_moves_follow_the_lifecycle_order() -> None:
    assert lifecycle.allowed("triggered") == ("acknowledge", "mitigate", "resolve")
    assert lifecycle.allowed("acknowledged") == ("mitigate", "resolve")
    assert lifecycle.allowed("mitigated") == ("resolve",)
    assert lifecycle.allowed("resolved") == ("close", "reopen")
    assert lifecycle.allowed("closed") == ("reopen",)


def test_acknowledging_a_closed_incident_is_refused_with_what_it_can_do_instead() -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.target("closed", "acknowledge", ever_acknowledged=True)
    assert refused.value.message == (
        "the incident is closed, so it cannot be acknowledged (only a triggered one can); "
        "it can be reopened"
    )


@pytest.mark.parametrize(
    ("status", "move"),
    [
        ("triggered", "close"),
        ("acknowledged", "close"),
        ("mitigated", "mitigate"),
        ("mitigated", "acknowledge"),
        ("closed", "resolve"),
        ("closed", "mitigate"),
        ("triggered", "reopen"),
    ],
)
def test_every_other_move_is_refused_naming_the_allowed_ones(
    status: str, move: lifecycle.Move
) -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.target(status, move, ever_acknowledged=True)
    message = refused.value.message
    assert f"is {status}, so it cannot be {lifecycle.SAID[move]}" in message
    for allowed in lifecycle.allowed(status):
        assert lifecycle.SAID[allowed] in message.split(";")[1]


def test_the_sentence_names_the_incident_when_given() -> None:
    assert lifecycle.refusal("triggered", "close", 7).startswith(
        "incident 7 is triggered, so it cannot be closed (only a resolved one can)"
    )


def test_an_acknowledgement_of_a_mitigated_incident_has_nothing_left_to_do() -> None:
    assert lifecycle.is_done("mitigated", "acknowledge")
    assert lifecycle.is_done("acknowledged", "acknowledge")
    assert not lifecycle.is_done("triggered", "acknowledge")
    assert not lifecycle.is_done("closed", "reopen")


def test_a_move_is_never_recorded_before_the_incidents_earlier_instants() -> None:
    acknowledged = T0 + timedelta(minutes=5)
    # Another process's clock runs 2 s behind: the move is recorded at the last instant.
    assert lifecycle.instant(acknowledged - timedelta(seconds=2), [T0, acknowledged, None]) == (
        acknowledged
    )
    later = acknowledged + timedelta(minutes=1)
    assert lifecycle.instant(later, [T0, acknowledged, None]) == later
    assert lifecycle.instant(T0, []) == T0
