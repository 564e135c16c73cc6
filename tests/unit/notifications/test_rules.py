"""A person's notification rules expand into one outbox row per rule of the page's urgency,
each due its delay after the page, keyed per contact method and rule; no rule means one e-mail
at once. Literal times, no database."""

from __future__ import annotations

from datetime import UTC, datetime

from onwatch.directory.models import ContactMethod, NotificationRule, Person
from onwatch.notifications.rules import pages_for

AT = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)  # Saturday 21:00 in New York


def ann(*rules: NotificationRule) -> Person:
    person = Person(id=7, handle="ann", name="Ann Archer", email="ann@example.org")
    person.contact_methods = [
        ContactMethod(
            id=31, position=0, kind="ntfy", address="https://ntfy.example.org/ann",
            label="phone push", token="env:ANN_NTFY",
        ),
        ContactMethod(
            id=32, position=1, kind="sms", address="+15555550100", label="work phone",
            url="env:ANN_TWILIO_URL",
        ),
        ContactMethod(
            id=33, position=2, kind="webhook", address="https://hooks.example.org/ann",
            secret="env:ANN_HOOK_SECRET",
        ),
    ]  # fmt: skip
    person.notification_rules = list(rules)
    return person


def rule(urgency: str, position: int, method: int | None, minutes: int) -> NotificationRule:
    return NotificationRule(
        urgency=urgency, position=position, contact_method_id=method, delay_seconds=minutes * 60
    )


def test_each_high_urgency_rule_is_one_row_due_its_delay_after_the_page() -> None:
    person = ann(
        rule("high", 0, 31, 0),
        rule("high", 1, None, 2),
        rule("high", 2, 32, 5),
        rule("low", 0, None, 0),
    )
    rows = pages_for(person, incident_id=12, urgency="high", key="page:12:0:0:0", at=AT)
    assert [(r.key, r.due_at.strftime("%H:%M"), r.label) for r in rows] == [
        ("page:12:0:0:0:7:31:0", "02:00", "Ann Archer by ntfy (phone push)"),
        ("page:12:0:0:0:7:email:1", "02:02", "Ann Archer by email, after 2m"),
        ("page:12:0:0:0:7:32:2", "02:05", "Ann Archer by sms (work phone), after 5m"),
    ]
    assert [r.destination for r in rows] == [
        {"kind": "ntfy", "url": "https://ntfy.example.org/ann", "token": "env:ANN_NTFY"},
        {"kind": "email", "address": "ann@example.org"},
        {"kind": "apprise", "url": "env:ANN_TWILIO_URL", "number": "+15555550100"},
    ]
    assert {(r.kind, r.urgency, r.incident_id, r.person_id) for r in rows} == {
        ("page", "high", 12, 7)
    }
    assert [r.contact_method_id for r in rows] == [31, None, 32]


def test_low_urgency_uses_only_the_low_rules() -> None:
    person = ann(rule("high", 0, 31, 0), rule("low", 0, 33, 10))
    [row] = pages_for(person, incident_id=12, urgency="low", key="page:12:0:0:0", at=AT)
    assert (row.key, row.due_at, row.urgency) == (
        "page:12:0:0:0:7:33:0",
        datetime(2026, 3, 7, 2, 10, tzinfo=UTC),
        "low",
    )
    assert row.destination == {
        "kind": "webhook",
        "url": "https://hooks.example.org/ann",
        "secret": "env:ANN_HOOK_SECRET",
    }


def test_a_person_without_rules_for_the_urgency_gets_one_email_at_once() -> None:
    for person in (ann(), ann(rule("low", 0, 31, 0))):
        [row] = pages_for(person, incident_id=12, urgency="high", key="page:12:1:0:2", at=AT)
        assert (row.key, row.due_at, row.destination, row.label) == (
            "page:12:1:0:2:7:email:0",
            AT,
            {"kind": "email", "address": "ann@example.org"},
            "Ann Archer by email",
        )


def test_the_same_page_expands_to_the_same_keys() -> None:
    person = ann(rule("high", 0, 31, 0), rule("high", 1, 31, 3))
    first = pages_for(person, incident_id=1, urgency="high", key="k", at=AT)
    again = pages_for(person, incident_id=1, urgency="high", key="k", at=AT)
    assert [r.key for r in first] == [r.key for r in again] == ["k:7:31:0", "k:7:31:1"]
