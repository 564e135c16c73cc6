"""What a play says: the post-mortem's resolution, under the play's title."""

from __future__ import annotations

from onwatch.postmortems.plays import play_markdown, resolution

POSTMORTEM = """# Post-mortem: sign-in fails

## Summary

Sign-in failed.

## Resolution

- **Resolved:** 2026-03-10 15:00 UTC

Restarted the token cache, then purged the CDN.

## Root cause

A bad certificate.
"""


def test_the_resolution_section_is_the_play() -> None:
    assert resolution(POSTMORTEM) == (
        "- **Resolved:** 2026-03-10 15:00 UTC\n\nRestarted the token cache, then purged the CDN."
    )


def test_a_post_mortem_without_a_resolution_gives_all_of_it_but_its_title() -> None:
    assert resolution("# Title\n\nWe rolled back.\n") == "We rolled back."


def test_the_play_names_where_it_came_from() -> None:
    text = play_markdown("Token cache stuck", POSTMORTEM, incident_id=7, incident_title="sign-in")
    assert text.startswith("# Token cache stuck\n\nSaved from incident #7 (sign-in)")
    assert "Restarted the token cache" in text and "bad certificate" not in text
    assert "Nothing was written" in play_markdown("T", "# T\n", incident_id=1, incident_title="x")
