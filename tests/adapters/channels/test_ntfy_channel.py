"""ntfy: a JSON publish to the server's root, checked against ntfy's documented fields by a real
HTTP receiver: priority from urgency, the incident as the click target, acknowledge and resolve
as `view` actions on the signed links, and a bearer token for a protected topic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.channels.base import Destination, Sender, Sent
from tests import shapes
from tests.adapters.channels.sample import notice, page
from tests.receivers import HttpReceiver, receiving


@pytest.fixture
def ntfy() -> Iterator[HttpReceiver]:
    with receiving(shapes.ntfy) as receiver:
        yield receiver


def test_a_high_urgency_page_is_an_urgent_push_with_view_actions_and_the_token(
    ntfy: HttpReceiver, senders: dict[str, Sender]
) -> None:
    destination = Destination("ntfy", {"url": ntfy.url + "ann-pager-9f2c", "token": "tk_abc123"})
    outcome = senders["ntfy"].send(page(), destination)

    [request] = ntfy.take(1)
    assert isinstance(outcome, Sent)
    assert request.path == "/"
    assert request.headers["authorization"] == "Bearer tk_abc123"
    assert request.headers["x-onwatch-key"] == "page:7:0:0:0:3:12:0"
    body = request.json()
    assert (body["topic"], body["priority"], body["title"]) == (
        "ann-pager-9f2c",
        5,
        "[sev1] checkout: card payments failing",
    )
    assert body["tags"] == ["rotating_light", "sev1"]
    assert body["click"] == "https://onwatch.example.org/incidents/7"
    assert body["message"].startswith("Card payments fail for 40% of requests")
    assert body["actions"] == [
        {"action": "view", "label": "Acknowledge", "clear": True,
         "url": "https://onwatch.example.org/act/ack.signed-token"},
        {"action": "view", "label": "Resolve", "clear": True,
         "url": "https://onwatch.example.org/act/resolve.signed-token"},
        {"action": "view", "label": "Open incident", "clear": False,
         "url": "https://onwatch.example.org/incidents/7"},
    ]  # fmt: skip


def test_low_urgency_is_an_ordinary_notification_without_a_token(
    ntfy: HttpReceiver, senders: dict[str, Sender]
) -> None:
    destination = Destination("ntfy", {"url": ntfy.url + "platform-pager"})
    assert isinstance(senders["ntfy"].send(notice(urgency="low"), destination), Sent)
    [request] = ntfy.take(1)
    body = request.json()
    assert (body["priority"], body["tags"]) == (3, ["warning", "sev1"])
    assert "authorization" not in request.headers
    assert [a["label"] for a in body["actions"]] == ["Open incident"]


def test_a_long_message_fits_ntfys_size_limit_with_a_marker(
    ntfy: HttpReceiver, senders: dict[str, Sender]
) -> None:
    destination = Destination("ntfy", {"url": ntfy.url + "platform-pager"})
    assert isinstance(senders["ntfy"].send(page(text="é" * 5000), destination), Sent)
    message = ntfy.take(1)[0].json()["message"]
    assert len(message.encode()) <= 4000 and message.endswith(shapes.MARKER)
