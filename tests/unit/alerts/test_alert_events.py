from __future__ import annotations

from onwatch.alerts.events import (
    cut_summary,
    highest_severity,
    is_at_least,
    severity_from_word,
    severity_rank,
)


def test_severities_rank_from_info_to_critical():
    ranks = [severity_rank(s) for s in ("info", "warning", "error", "critical")]

    assert ranks == [0, 1, 2, 3]


def test_error_is_at_least_warning_but_not_critical():
    assert is_at_least("error", "warning")
    assert is_at_least("error", "error")
    assert not is_at_least("error", "critical")


def test_highest_severity_ignores_unknown_and_is_none_for_nothing():
    assert highest_severity(["warning", None, "critical", "info"]) == "critical"
    assert highest_severity([None]) is None
    assert highest_severity([]) is None


def test_monitor_words_for_severity_map_to_ours():
    assert [severity_from_word(w) for w in ("CRIT", " P2 ", "warn", "informational")] == [
        "critical",
        "error",
        "warning",
        "info",
    ]
    assert severity_from_word("spicy") is None


def test_summary_is_put_on_one_line():
    assert cut_summary("  Disk full\n on   db1 ") == "Disk full on db1"


def test_long_summary_is_cut_to_1024_characters_with_an_ellipsis():
    summary = cut_summary("a" * 2000)

    assert len(summary) == 1024
    assert summary.endswith("a…")
