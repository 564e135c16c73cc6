"""Slack incoming webhooks: a Block Kit message (header, facts, the text, links, and buttons that
open the signed acknowledge and resolve links or the incident page) with a plain `text` fallback
for notifications and old clients. Everything stays within Slack's documented limits, cut with a
visible marker; user text is escaped so that it cannot mention @channel or forge a link."""

from __future__ import annotations

from typing import Any

from onwatch.channels.base import Destination, GiveUp, Outcome
from onwatch.channels.posting import HttpSender, post
from onwatch.channels.text import MARKER, actions, clip, facts, one_line
from onwatch.notifications.messages import Message

# https://docs.slack.dev/reference/block-kit/blocks: a message holds at most 50 blocks; a
# header's text 150 characters; a section's text 3,000, its fields 10 of 2,000 each; an actions
# block 25 elements; a button's text 75 and its URL 3,000. A message's `text` is cut by Slack
# past 40,000; its notifications show far less, so the fallback is kept to a section's size.
MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
MAX_FIELDS = 10
MAX_BUTTONS = 25
BUTTON_CHARS = 75
URL_CHARS = 3000
FALLBACK_CHARS = 3000
BUTTONS = ("Acknowledge", "Resolve", "Open incident")


class SlackSender(HttpSender):
    kind = "slack"

    def send(self, message: Message, destination: Destination) -> Outcome:
        url = self.url_of(destination)
        if not url:
            return GiveUp("the Slack channel has no webhook URL")
        return post(self.http, url, json=payload(message), now=self.clock.now())


def escape(text: str) -> str:
    """Slack's three control characters (https://docs.slack.dev/messaging/formatting-message-
    text#escaping): with them escaped, `<!channel>` and `<url|label>` stay plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = SECTION_CHARS) -> str:
    """Escaped text cut to `limit` characters without splitting an escape such as `&amp;`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    head = escaped[: limit - len(MARKER)]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + MARKER


def payload(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": clip(one_line(message.title) or "onwatch", HEADER_CHARS),
            },
        }
    ]
    fields = [
        {"type": "mrkdwn", "text": mrkdwn(f"*{label}*\n{value}", FIELD_CHARS)}
        for label, value in facts(message)[:MAX_FIELDS]
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if message.text.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(message.text)}})
    links = [link for link in actions(message) if link.title not in BUTTONS]
    if links:
        lines = "\n".join(f"• <{_url(link.url)}|{escape(one_line(link.title))}>" for link in links)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut_lines(lines)}})
    buttons = [
        _button(link.title, link.url)
        for link in actions(message)
        if link.title in BUTTONS and len(link.url) <= URL_CHARS
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:MAX_BUTTONS]})
    # The idempotency key, so a reader (or a bot) can tell a retried message from a new one.
    note = {"type": "mrkdwn", "text": mrkdwn(f"onwatch · {message.key}")}
    blocks.append({"type": "context", "elements": [note]})
    # The `text` Slack shows in notifications and where blocks cannot render.
    fallback = mrkdwn(f"{one_line(message.title)}\n{message.text}".strip(), FALLBACK_CHARS)
    return {"text": fallback, "blocks": blocks[:MAX_BLOCKS]}


def _button(title: str, url: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(title, BUTTON_CHARS)},
        "url": url,
        # A URL button still sends an interaction to an app, if there is one; a stable id per
        # button keeps Slack's "action_id unique in the block" rule.
        "action_id": title.lower().replace(" ", "_"),
    }
    if title == "Acknowledge":
        button["style"] = "primary"
    return button


def _url(url: str) -> str:
    # Inside <url|label> the URL itself must not carry the control characters either.
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _cut_lines(lines: str) -> str:
    """Whole lines (a link cut in half is a broken link) up to a section's size, then the
    marker on its own line."""
    if len(lines) <= SECTION_CHARS:
        return lines
    kept: list[str] = []
    size = len(MARKER) + 1
    for line in lines.split("\n"):
        if size + len(line) + 1 > SECTION_CHARS:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, MARKER])
