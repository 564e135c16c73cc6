"""Which contact method a notification rule means (`email`, a label, a number from 1), and which
methods onwatch can page: Slack and Teams member ids and phone numbers without an Apprise URL
are shown, never paged."""

from __future__ import annotations

import pytest

from onwatch.directory.contacts import is_reachable, method_of, rule_problems
from onwatch.directory.specs import (
    ContactMethodSpec,
    NotificationRuleSpec,
    NotificationRulesSpec,
    PersonSpec,
)

METHODS = [
    ContactMethodSpec(type="ntfy", address="https://ntfy.sh/ann-9f2c", label="push"),
    ContactMethodSpec(type="slack", address="U0ANN", label="chat"),
    ContactMethodSpec(type="phone", address="+15555550100", label="desk"),
    ContactMethodSpec(type="sms", address="+15555550101", label="cell", url="env:ANN_SMS"),
    ContactMethodSpec(type="teams", address="env:ANN_TEAMS_WORKFLOW", label="twin"),
    ContactMethodSpec(type="apprise", address="env:ANN_APPRISE", label="twin"),
]
ANN = PersonSpec(handle="ann", name="Ann", email="ann@example.org", contact_methods=METHODS)


def test_member_ids_and_numbers_without_an_apprise_url_are_never_paged() -> None:
    assert [is_reachable(m) for m in METHODS] == [True, False, False, True, True, True]


@pytest.mark.parametrize(
    ("contact", "index"),
    [("email", None), ("push", 0), (1, 0), ("4", 3), ("cell", 3), (5, 4)],
)
def test_a_rule_names_email_a_label_or_a_number_from_one(
    contact: str | int, index: int | None
) -> None:
    assert method_of(ANN, NotificationRuleSpec(contact=contact)) == index


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        ("pager", "no contact method labelled 'pager': write `email`, a label or a number; "
                  "labels are push, chat, desk, cell, twin, twin"),
        (0, "no contact method 0: the person has 6 (numbers start at 1)"),
        (7, "no contact method 7: the person has 6 (numbers start at 1)"),
        ("twin", "two contact methods are labelled 'twin': use a number"),
        ("chat", "contact method 2 cannot be paged: a Slack member id is shown to people"),
        ("desk", "contact method 3 cannot be paged: a phone number is paged through Apprise"),
    ],
)  # fmt: skip
def test_a_rule_naming_no_usable_method_says_why(contact: str | int, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        method_of(ANN, NotificationRuleSpec(contact=contact))


def test_rule_problems_name_each_rule_by_its_field() -> None:
    person = ANN.model_copy(
        update={
            "notification_rules": NotificationRulesSpec(
                high=[NotificationRuleSpec(contact="push"), NotificationRuleSpec(contact=9)],
                low=[NotificationRuleSpec(contact="chat")],
            )
        }
    )
    assert [e.field for e in rule_problems(person)] == [
        "notification_rules.high[1].contact",
        "notification_rules.low[0].contact",
    ]
