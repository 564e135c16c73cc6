"""Skipped item types are counted under their own names up to a bound per service; the rest as
"other", so a client cannot grow the ingestion counts without bound."""

from __future__ import annotations

from onwatch.errors.actions import bounded_names


def test_new_names_beyond_the_bound_are_counted_as_other() -> None:
    counts = {"event": (1, 0), "zeta": (2, 0), "alpha": (1, 0), "beta": (1, 0), "other": (1, 0)}
    assert bounded_names(counts, {"known"}, limit=3) == {
        "event": (1, 0),
        "alpha": (1, 0),
        "beta": (1, 0),
        "other": (3, 0),
    }


def test_names_already_counted_keep_their_row_when_the_bound_is_reached() -> None:
    counts = {"known": (2, 0), "fresh": (1, 0), "client_report": (1, 4)}
    assert bounded_names(counts, {"known", "older"}, limit=2) == {
        "known": (2, 0),
        "other": (1, 0),
        "client_report": (1, 4),
    }


def test_types_onwatch_handles_are_never_folded() -> None:
    counts = {"attachment": (3, 1), "check_in": (1, 0), "transaction": (5, 0)}
    assert bounded_names(counts, {f"t{i}" for i in range(50)}, limit=20) == counts
