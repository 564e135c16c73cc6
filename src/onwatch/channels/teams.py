"""Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
received"): an Adaptive Card 1.2 in the message envelope that template expects. The retired
Office 365 connector URLs are recognised, so `apply` can say how to move off them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from onwatch.channels.base import Destination, GiveUp, Outcome
from onwatch.channels.posting import HttpSender, post
from onwatch.channels.text import actions, clip, facts, one_line
from onwatch.notifications.messages import Message

CARD_VERSION = "1.2"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
# Workflows take a request of at most about 28 KB; the body's text is kept well inside it.
TEXT_CHARS = 12000
TITLE_CHARS = 250
MAX_ACTIONS = 6  # Teams shows at most six buttons on a card
RETIRED = "is a retired Office 365 connector URL, which Teams no longer accepts"
MIGRATION = (
    "to migrate, create a Workflows webhook in Teams (the channel's … menu → Workflows → the "
    'template "Post to a channel when a webhook request is received"), then put the URL it '
    "gives you where this reference points"
)


def is_retired_connector(url: str) -> bool:
    """An Office 365 connector's incoming-webhook URL (`*.webhook.office.com/webhookb2/…`,
    `outlook.office.com/webhook/…`), which Teams no longer accepts."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host, path = (parts.hostname or "").lower(), parts.path.lower()
    if (host == "webhook.office.com" or host.endswith(".webhook.office.com")) and path.startswith(
        "/webhookb2/"
    ):
        return True
    return host in ("outlook.office.com", "outlook.office365.com") and path.startswith("/webhook/")


class TeamsSender(HttpSender):
    kind = "teams"

    def send(self, message: Message, destination: Destination) -> Outcome:
        url = self.url_of(destination)
        if not url:
            return GiveUp("the Teams channel has no Workflows URL")
        if is_retired_connector(url):
            return GiveUp(f"the channel's URL {RETIRED}; {MIGRATION}")
        return post(self.http, url, json=envelope(message), now=self.clock.now())


def plain(text: str) -> str:
    """Text for a TextBlock, which renders a little Markdown: a user's `[x](url)` must not become
    a link, so the `](` that makes one is broken with an invisible zero-width space."""
    return text.replace("](", "]\u200b(")


def card(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": plain(clip(one_line(message.title) or "onwatch", TITLE_CHARS)),
            "size": "Large",
            "weight": "Bolder",
            "wrap": True,
            "color": "Attention" if message.urgency == "high" else "Warning",
        }
    ]
    found = facts(message)
    if found:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": plain(value)} for label, value in found],
            }
        )
    if message.text.strip():
        body.append(
            {"type": "TextBlock", "text": plain(clip(message.text, TEXT_CHARS)), "wrap": True}
        )
    # The idempotency key, so a reader can tell a retried message from a new one.
    note = plain(f"onwatch · {message.key}")
    body.append(
        {"type": "TextBlock", "text": note, "isSubtle": True, "size": "Small", "wrap": True}
    )
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": clip(link.title, 40), "url": link.url}
            for link in actions(message)[:MAX_ACTIONS]
        ],
    }


def envelope(message: Message) -> dict[str, Any]:
    """The body a Workflows webhook takes: a message with the card as its one attachment."""
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": card(message)}],
    }
