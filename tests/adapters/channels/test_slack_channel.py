"""Slack: a Block Kit message posted to a real HTTP receiver on loopback that checks it against
Slack's documented limits (tests/shapes.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.channels.base import Destination, Sender, Sent
from onwatch.notifications.messages import Link
from tests import shapes
from tests.adapters.channels.sample import notice, page
from tests.receivers import HttpReceiver, receiving


@pytest.fixture
def slack() -> Iterator[HttpReceiver]:
    with receiving(shapes.slack) as receiver:
        yield receiver


def to(receiver: HttpReceiver) -> Destination:
    return Destination("slack", {"url": receiver.url + "services/T000/B000/XXXX"})


def blocks_of(body: dict, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [b for b in body["blocks"] if b["type"] == kind]


def test_a_page_reaches_slack_with_its_facts_links_and_ack_and_resolve_buttons(
    slack: HttpReceiver, senders: dict[str, Sender]
) -> None:
    outcome = senders["slack"].send(page(), to(slack))

    [request] = slack.take(1)
    assert isinstance(outcome, Sent)
    assert request.path == "/services/T000/B000/XXXX"
    body = request.json()
    assert body["text"].startswith("[sev1] checkout: card payments failing\nCard payments fail")
    [header] = blocks_of(body, "header")
    assert header["text"]["text"] == "[sev1] checkout: card payments failing"
    fields = [f["text"] for f in blocks_of(body, "section")[0]["fields"]]
    assert "*Severity*\nsev1" in fields and "*Service*\ncheckout" in fields
    sections = [b["text"]["text"] for b in blocks_of(body, "section") if "text" in b]
    assert "• <https://runbooks.example.org/checkout|Checkout runbook>" in sections
    [actions] = blocks_of(body, "actions")
    assert [(b["text"]["text"], b["url"]) for b in actions["elements"]] == [
        ("Acknowledge", "https://onwatch.example.org/act/ack.signed-token"),
        ("Resolve", "https://onwatch.example.org/act/resolve.signed-token"),
        ("Open incident", "https://onwatch.example.org/incidents/7"),
    ]
    assert "page:7:0:0:0:3:12:0" in str(blocks_of(body, "context"))


def test_a_channel_message_has_one_button_to_the_incident_page(
    slack: HttpReceiver, senders: dict[str, Sender]
) -> None:
    assert isinstance(senders["slack"].send(notice(), to(slack)), Sent)
    [actions] = blocks_of(slack.take(1)[0].json(), "actions")
    assert [(b["text"]["text"], b["url"]) for b in actions["elements"]] == [
        ("Open incident", "https://onwatch.example.org/incidents/7")
    ]


def test_text_past_slacks_limits_is_cut_with_a_visible_marker(
    slack: HttpReceiver, senders: dict[str, Sender]
) -> None:
    huge = page(
        title="checkout " * 40,  # 360 characters; a header takes 150
        text="x" * 10_000,
        links=tuple(Link(f"runbook {i}", f"https://runbooks.example.org/{i}") for i in range(300)),
    )
    assert isinstance(senders["slack"].send(huge, to(slack)), Sent)

    body = slack.take(1)[0].json()  # the shape check held: within every limit
    [header] = blocks_of(body, "header")
    assert len(header["text"]["text"]) == 150
    assert header["text"]["text"].endswith(shapes.MARKER)
    texts = [b["text"]["text"] for b in blocks_of(body, "section") if "text" in b]
    assert len(texts[0]) <= 3000 and texts[0].endswith(shapes.MARKER)
    links = texts[1].split("\n")
    assert links[-1] == shapes.MARKER and 50 < len(links) < 300
    assert all(line.endswith(">") for line in links[:-1])  # whole links only
    assert body["text"].endswith(shapes.MARKER) and len(body["text"]) <= 3000


def test_what_a_user_wrote_cannot_mention_everyone_or_forge_a_link(
    slack: HttpReceiver, senders: dict[str, Sender]
) -> None:
    sly = page(text="<!channel> see <https://evil.example|the runbook> & more")
    assert isinstance(senders["slack"].send(sly, to(slack)), Sent)
    body = slack.take(1)[0].json()
    texts = [b["text"]["text"] for b in blocks_of(body, "section") if "text" in b]
    assert texts[0] == "&lt;!channel&gt; see &lt;https://evil.example|the runbook&gt; &amp; more"
    assert "<!channel>" not in body["text"]
