"""Microsoft Teams: an Adaptive Card 1.2 in the envelope a Workflows webhook takes, posted to a
real HTTP receiver that checks it; a retired Office 365 connector URL is refused."""

from __future__ import annotations

import pytest

from onwatch.channels.base import Destination, GiveUp, Sender, Sent
from tests import shapes
from tests.adapters.channels.sample import page
from tests.receivers import HttpReceiver


def test_a_page_reaches_teams_as_an_adaptive_card_in_the_workflows_envelope(
    senders: dict[str, Sender],
) -> None:
    teams = HttpReceiver(check=shapes.teams)
    try:
        url = teams.url + "workflows/a1b2/triggers/manual/paths/invoke?sig=xyz"
        outcome = senders["teams"].send(page(), Destination("teams", {"url": url}))
        [request] = teams.take(1)
        teams.assert_silent()
    finally:
        teams.close()

    assert isinstance(outcome, Sent)
    body = request.json()
    assert set(body) == {"type", "attachments"} and body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.2")
    title = card["body"][0]
    assert (title["text"], title["weight"], title["color"]) == (
        "[sev1] checkout: card payments failing",
        "Bolder",
        "Attention",
    )
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Severity"] == "sev1" and facts["Service"] == "checkout"
    assert [(a["title"], a["url"]) for a in card["actions"]] == [
        ("Acknowledge", "https://onwatch.example.org/act/ack.signed-token"),
        ("Resolve", "https://onwatch.example.org/act/resolve.signed-token"),
        ("Open incident", "https://onwatch.example.org/incidents/7"),
        ("Checkout runbook", "https://runbooks.example.org/checkout"),
    ]


def test_markdown_links_in_what_a_user_wrote_stay_text(senders: dict[str, Sender]) -> None:
    teams = HttpReceiver(check=shapes.teams)
    try:
        sly = page(text="[click here](https://evil.example) now")
        assert isinstance(
            senders["teams"].send(sly, Destination("teams", {"url": teams.url})), Sent
        )
        card = teams.take(1)[0].json()["attachments"][0]["content"]
        teams.assert_silent()
    finally:
        teams.close()
    assert card["body"][2]["text"] == "[click here]\u200b(https://evil.example) now"


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.webhook.office.com/webhookb2/1a2b@3c4d/IncomingWebhook/5e6f/7a8b",
        "https://outlook.office.com/webhook/1a2b@3c4d/IncomingWebhook/5e6f/7a8b",
    ],
)
def test_a_retired_connector_url_gives_up_saying_how_to_migrate(
    senders: dict[str, Sender], url: str
) -> None:
    outcome = senders["teams"].send(page(), Destination("teams", {"url": url}))
    assert isinstance(outcome, GiveUp)
    assert "retired Office 365 connector" in outcome.why
    assert '"Post to a channel when a webhook request is received"' in outcome.why
    assert "webhookb2" not in outcome.why and "1a2b" not in outcome.why  # the URL is a secret
