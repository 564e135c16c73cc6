"""ntfy push to a phone (https://ntfy.sh, or a self-hosted server): a JSON publish to the
server's root with the topic, priority from urgency, and acknowledge/resolve as `view` actions.

`view` opens the signed link in the phone's browser on the confirmation page, and only its
button acts. An `http` action would POST from the ntfy app on one tap with no confirmation and
no sight of what is acknowledged, and would need an endpoint that acts on a bare GET-able token;
the extra tap is the price of the "a link never acts by itself" rule."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from onwatch.channels.base import Destination, GiveUp, Outcome
from onwatch.channels.posting import HttpSender, post
from onwatch.channels.text import MARKER, actions, clip, one_line, plain
from onwatch.notifications.messages import Message

TOPIC = re.compile(r"[-_A-Za-z0-9]{1,64}")
# ntfy priorities: 5 "urgent" (long vibration bursts, pops over the screen; what paging needs),
# 3 "default" (an ordinary notification, for low urgency).
PRIORITY = {"high": 5, "low": 3}
TAGS = {"high": "rotating_light", "low": "warning"}
# ntfy's default message-size-limit is 4,096 bytes; a larger message becomes an attachment.
MESSAGE_BYTES = 4000
TITLE_CHARS = 250
MAX_ACTIONS = 3  # ntfy's limit


def split_topic(url: str) -> tuple[str, str]:
    """(the server's root URL, the topic) of a topic URL such as https://ntfy.example.org/pager;
    ValueError with a sentence when it is not one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("must be a topic URL such as https://ntfy.example.org/ops-pager") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be a topic URL such as https://ntfy.example.org/ops-pager")
    if parts.query or parts.fragment:
        raise ValueError(
            "a topic URL has no ?query or #fragment: https://ntfy.example.org/ops-pager"
        )
    path, _, topic = parts.path.rstrip("/").rpartition("/")
    if not TOPIC.fullmatch(topic):
        raise ValueError(
            "must end in a topic of 1-64 letters, digits, '-' or '_': "
            "https://ntfy.example.org/ops-pager"
        )
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", "")), topic


def cut_bytes(text: str, limit: int) -> str:
    """`text` in at most `limit` UTF-8 bytes, cut with the marker when it does not fit."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(MARKER.encode())
    return data[:room].decode(errors="ignore").rstrip() + MARKER


def publish(message: Message, topic: str) -> dict[str, Any]:
    """The JSON publish body (https://docs.ntfy.sh/publish/#publish-as-json)."""
    body: dict[str, Any] = {
        "topic": topic,
        "title": clip(one_line(message.title), TITLE_CHARS),
        "message": cut_bytes(plain(message), MESSAGE_BYTES),
        "priority": PRIORITY.get(message.urgency, 3),
        "tags": [t for t in (TAGS.get(message.urgency), message.severity) if t],
    }
    if message.incident_url:
        body["click"] = message.incident_url
    buttons = [
        {
            "action": "view",
            "label": link.title,
            "url": link.url,
            "clear": link.title != "Open incident",
        }
        for link in actions(message)
        if link.title in ("Acknowledge", "Resolve", "Open incident")
    ]
    if buttons:
        body["actions"] = buttons[:MAX_ACTIONS]
    return body


class NtfySender(HttpSender):
    kind = "ntfy"

    def send(self, message: Message, destination: Destination) -> Outcome:
        url = self.url_of(destination)
        if not url:
            return GiveUp("the ntfy destination has no topic URL")
        try:
            root, topic = split_topic(url)
        except ValueError as error:
            return GiveUp(f"the ntfy URL {error}")
        # ntfy has no idempotency header of its own; the key travels for proxies and logs.
        headers = {"x-onwatch-key": message.key}
        token = destination.settings.get("token")
        if token:
            headers["authorization"] = f"Bearer {token}"
        return post(
            self.http, root, json=publish(message, topic), headers=headers, now=self.clock.now()
        )
