"""When an action item is overdue and next reminded (UTC days)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from onwatch.postmortems.models import ActionItem
from onwatch.postmortems.reminders import is_reminder_due, next_reminder_at


def item(**fields: object) -> ActionItem:
    values: dict[str, object] = {"status": "open", "owner_id": 1, "due_on": date(2026, 3, 3),
                                 "last_reminded_at": None, **fields}  # fmt: skip
    return ActionItem(**values)


def test_an_item_is_overdue_the_day_after_its_due_date() -> None:
    assert not is_reminder_due(item(), datetime(2026, 3, 3, 23, 59, tzinfo=UTC))
    assert is_reminder_due(item(), datetime(2026, 3, 4, 0, 0, tzinfo=UTC))
    assert next_reminder_at(item()) == datetime(2026, 3, 4, tzinfo=UTC)


def test_a_reminded_item_waits_for_the_next_day() -> None:
    reminded = item(last_reminded_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    assert not is_reminder_due(reminded, datetime(2026, 3, 4, 23, 0, tzinfo=UTC))
    assert next_reminder_at(reminded) == datetime(2026, 3, 5, tzinfo=UTC)


def test_done_unowned_or_undated_items_are_never_reminded() -> None:
    late = datetime(2026, 4, 1, tzinfo=UTC)
    for quiet in (item(status="done"), item(status="wont_do"), item(owner_id=None),
                  item(due_on=None)):  # fmt: skip
        assert not is_reminder_due(quiet, late)
        assert next_reminder_at(quiet) is None
