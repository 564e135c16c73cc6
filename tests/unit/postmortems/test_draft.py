"""The post-mortem draft written from a literal incident and timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from onwatch.postmortems.draft import Entry, Facts, Impact, Item, draft, span_text

OPENED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
FACTS = Facts(
    incident_id=42,
    title="card payments failing",
    service="checkout",
    severity="sev1",
    status="resolved",
    opened_at=OPENED,
    acknowledged_at=OPENED + timedelta(minutes=7, seconds=30),
    mitigated_at=OPENED + timedelta(minutes=50),
    resolved_at=OPENED + timedelta(hours=1, minutes=30),
    summary="Card payments failed for 90 minutes after the certificate expired.",
    commander="Ann Archer",
    impact=Impact(
        users_count=1200,
        users_share=40,
        applications=("checkout", "kiosk"),
        business_impact="Veterans | could not check in",
    ),  # fmt: skip
    timeline=(
        # Out of order and in another zone: the draft sorts them and writes UTC.
        Entry(
            OPENED + timedelta(minutes=7, seconds=30),
            "acknowledged",
            "Ann Archer",
            "link",
            "Acknowledged",
        ),  # fmt: skip
        Entry(
            OPENED.astimezone(timezone(timedelta(hours=-5))),
            "opened",
            "onwatch",
            "system",
            "Opened: card payments failing",
        ),  # fmt: skip
    ),
    items=(
        Item(
            "Alert on certificate expiry",
            "Lee Lund",
            date(2026, 4, 1),
            "open",
            "prevent",
            "https://tracker.example.org/7",
        ),  # fmt: skip
        Item("Runbook for renewals", None, None, "done", "process"),
    ),
)


def test_the_draft_has_every_section_in_order() -> None:
    text = draft(FACTS)
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == [
        "## Summary", "## Impact", "## Detection", "## Timeline", "## Resolution",
        "## Root cause", "## Contributing factors", "## Action items",
    ]  # fmt: skip
    assert text.startswith("# Post-mortem: card payments failing\n")
    assert "Commander: Ann Archer." in text
    assert "Card payments failed for 90 minutes" in text


def test_impact_lists_the_filled_fields_and_escapes_table_pipes() -> None:
    text = draft(FACTS)
    assert "- **Users impacted:** 1,200 users (40% of users)" in text
    assert "- **Applications impacted:** checkout, kiosk" in text
    assert "- **Business impact:** Veterans \\| could not check in" in text
    assert "QA severity" not in text


def test_detection_and_resolution_give_the_times_to_acknowledge_mitigate_and_resolve() -> None:
    text = draft(FACTS)
    assert "- **Opened:** 2026-03-02 14:00:00 UTC" in text
    assert "- **Time to acknowledge:** 7 min 30 s" in text
    assert "- **Time to mitigate:** 50 min" in text
    assert "- **Resolved:** 2026-03-02 15:30:00 UTC" in text
    assert "- **Time to resolve:** 1 h 30 min" in text


def test_the_timeline_is_in_order_in_utc_with_its_sources() -> None:
    rows = [line for line in draft(FACTS).splitlines() if line.startswith("| 2026")]
    assert rows == [
        "| 2026-03-02 14:00:00 UTC | system | onwatch | Opened: card payments failing |",
        "| 2026-03-02 14:07:30 UTC | link | Ann Archer | Acknowledged |",
    ]


def test_action_items_so_far_are_listed_with_owner_due_date_kind_and_ticket() -> None:
    text = draft(FACTS)
    assert (
        "- [ ] Alert on certificate expiry (prevent; Lee Lund; due 2026-04-01) "
        "([ticket](https://tracker.example.org/7))"
    ) in text
    assert "- [x] Runbook for renewals (process; no owner; no due date)" in text


def test_an_open_incident_without_impact_leaves_places_to_fill() -> None:
    text = draft(
        Facts(
            incident_id=1,
            title="t",
            service="s",
            severity="sev3",
            status="triggered",
            opened_at=OPENED,
        )  # fmt: skip
    )
    assert "- **Time to acknowledge:** not yet" in text
    assert "- **Time to resolve:** not yet" in text
    assert "No commander was assigned." in text
    assert text.count("_To be written._") == 6
    assert text.endswith("## Action items\n\nNone yet.\n")


def test_spans_read_as_people_say_them() -> None:
    assert span_text(timedelta(seconds=45)) == "45 s"
    assert span_text(timedelta(days=2, hours=3, seconds=5)) == "2 d 3 h"
    assert span_text(timedelta(0)) == "0 s"


def test_a_storm_of_alerts_shows_the_first_five_and_counts_the_rest_in_one_row() -> None:
    storm = tuple(
        Entry(OPENED + timedelta(seconds=n), "alert", "onwatch", "system", f"Alert joined: {n}")
        for n in range(1, 301)
    )
    resolved = Entry(OPENED + timedelta(hours=1), "resolved", "Ann Archer", "ui", "Resolved")
    text = draft(Facts(**{**FACTS.__dict__, "timeline": (*storm, resolved)}))
    rows = [line for line in text.splitlines() if line.startswith("| 2026")]
    assert [r.split(" | ")[-1] for r in rows] == [
        "Alert joined: 1 |", "Alert joined: 2 |", "Alert joined: 3 |", "Alert joined: 4 |",
        "Alert joined: 5 |", "295 more alerts joined, the last at 2026-03-02 14:05:00 UTC |",
        "Resolved |",
    ]  # fmt: skip
