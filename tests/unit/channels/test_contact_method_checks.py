"""A person's contact method of a channel kind is checked as a channel's fields are: its address
in form (a URL, an ntfy topic, an e-mail address), its secrets as references, and the values
behind those references when they can be read."""

from __future__ import annotations

import base64

from onwatch.channels.specs import contact_problems
from onwatch.core.errors import FieldError

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def test_well_formed_contact_methods_have_no_problems() -> None:
    assert contact_problems("email", "ann@example.org") == []
    assert contact_problems("ntfy", "https://ntfy.example.org/ann-pager-9f2c") == []
    environ = {"ANN_HOOK": SECRET}
    hook = contact_problems(
        "webhook", "https://h.example.org/", secret="env:ANN_HOOK", environ=environ
    )
    assert hook == []


def test_each_problem_is_named_by_the_contact_methods_field() -> None:
    assert contact_problems("email", "ann") == [
        FieldError("address", "not an e-mail address: 'ann'")
    ]
    [topic] = contact_problems("ntfy", "https://ntfy.example.org/")
    assert topic.field == "address" and topic.message.startswith("must end in a topic")
    [literal] = contact_problems("webhook", "https://h.example.org/", secret=SECRET, name="ann")
    assert literal.field == "secret" and "env:ANN_SECRET" in literal.message
    assert SECRET not in literal.message
    [missing] = contact_problems("webhook", "https://h.example.org/", name="ann")
    assert missing == FieldError(
        "secret",
        "required for a webhook channel, which is always signed: write a reference, not the "
        "value: env:ANN_SECRET (an environment variable of onwatch's processes) or "
        "file:/run/secrets/ann_secret (a file, as Docker and Kubernetes mount secrets)",
    )


def test_a_reference_that_can_be_read_is_checked_by_its_value() -> None:
    teams = "https://contoso.webhook.office.com/webhookb2/1a2b/IncomingWebhook/5e/7a"
    [retired] = contact_problems("teams", "env:ANN_TEAMS", environ={"ANN_TEAMS": teams})
    assert retired.field == "address"
    assert retired.message.startswith("the value of env:ANN_TEAMS is a retired Office 365")
    assert contact_problems("teams", "env:ANN_TEAMS", environ={}) == []  # apply warns instead
