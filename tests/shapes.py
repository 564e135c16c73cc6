"""The documented shapes of what each channel posts, as `check=` functions for an HttpReceiver:
a request that strays from its receiver's documentation fails the test (and is answered 400, as
the real receiver would). Each check cites the document it follows.

    slack = HttpReceiver(check=shapes.slack)
    hook = HttpReceiver(check=shapes.standard_webhook(secret))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.receivers import Request

MARKER = "… (truncated)"


def _text(obj: Any, kind: str, limit: int, where: str) -> str:
    assert isinstance(obj, dict) and obj.get("type") == kind, f"{where}: a {kind} text object"
    text = obj.get("text")
    assert isinstance(text, str) and 1 <= len(text) <= limit, f"{where}: 1-{limit} characters"
    return text


def _web_url(url: Any, where: str, limit: int = 3000) -> None:
    assert isinstance(url, str) and len(url) <= limit, f"{where}: a URL of at most {limit}"
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.hostname, f"{where}: an http(s) URL"


def slack(request: Request) -> None:
    """Slack incoming webhook with Block Kit (docs.slack.dev/reference/block-kit/blocks): a
    `text` fallback; at most 50 blocks; header plain_text ≤ 150; section text ≤ 3,000, fields
    ≤ 10 of ≤ 2,000; actions ≤ 25 buttons, button text ≤ 75, URL ≤ 3,000; context ≤ 10."""
    assert request.method == "POST"
    assert request.headers.get("content-type", "").startswith("application/json")
    body = request.json()
    assert set(body) <= {"text", "blocks"}, f"unexpected top-level keys {sorted(body)}"
    assert isinstance(body.get("text"), str) and body["text"], "a top-level text fallback"
    assert len(body["text"]) <= 40000
    blocks = body["blocks"]
    assert isinstance(blocks, list) and 1 <= len(blocks) <= 50, "1 to 50 blocks"
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        kind = block.get("type")
        if kind == "header":
            _text(block["text"], "plain_text", 150, where)
        elif kind == "section":
            assert "text" in block or "fields" in block, f"{where}: text or fields"
            if "text" in block:
                _text(block["text"], "mrkdwn", 3000, where)
            for field in block.get("fields", []):
                _text(field, "mrkdwn", 2000, where)
            assert len(block.get("fields", [])) <= 10, f"{where}: at most 10 fields"
        elif kind == "actions":
            elements = block["elements"]
            assert 1 <= len(elements) <= 25, f"{where}: 1-25 elements"
            ids = [e.get("action_id") for e in elements]
            assert len(set(ids)) == len(ids), f"{where}: action_id unique in the block"
            for element in elements:
                assert element["type"] == "button"
                _text(element["text"], "plain_text", 75, where)
                _web_url(element["url"], where)
                assert element.get("style") in (None, "primary", "danger")
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10, f"{where}: 1-10 elements"
        else:
            raise AssertionError(f"{where}: unexpected block type {kind!r}")


def teams(request: Request) -> None:
    """A Teams Workflows webhook ("Post to a channel when a webhook request is received"): a
    message whose one attachment is an Adaptive Card, version 1.2 (adaptivecards.io)."""
    assert request.method == "POST"
    body = request.json()
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment == {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": attachment["content"],
    }
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.2"
    assert card["body"], "a card with a body"
    for element in card["body"]:
        assert element["type"] in ("TextBlock", "FactSet"), element["type"]
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"]
        else:
            assert all(set(f) == {"title", "value"} for f in element["facts"])
    for action in card.get("actions", []):
        assert action["type"] == "Action.OpenUrl" and action["title"]
        _web_url(action["url"], "actions")
    assert len(request.body) <= 28 * 1024, "a Workflows request is at most 28 KB"


def ntfy(request: Request) -> None:
    """ntfy's JSON publish (docs.ntfy.sh/publish/#publish-as-json): POST to the server's root,
    topic and message required; priority 1-5; at most 3 actions, each view/http/broadcast."""
    assert request.method == "POST" and request.path == "/", "JSON publishes go to the root"
    body = request.json()
    assert set(body) <= {
        "topic", "message", "title", "tags", "priority", "actions", "click", "attach",
        "markdown", "icon", "filename", "delay", "email", "call",
    }, sorted(body)  # fmt: skip
    assert isinstance(body["topic"], str) and body["topic"]
    assert isinstance(body["message"], str) and len(body["message"].encode()) <= 4096
    assert body.get("priority", 3) in (1, 2, 3, 4, 5)
    assert all(isinstance(t, str) for t in body.get("tags", []))
    if "click" in body:
        _web_url(body["click"], "click")
    actions = body.get("actions", [])
    assert len(actions) <= 3, "at most 3 actions"
    for action in actions:
        assert action["action"] in ("view", "http", "broadcast") and action["label"]
        if action["action"] == "view":
            _web_url(action["url"], "actions")


def standard_webhook(secret: str) -> Callable[[Request], None]:
    """Signed per the Standard Webhooks spec, verified by its reference library (not onwatch's
    code), with the JSON body docs/channels.md documents."""
    from standardwebhooks.webhooks import Webhook

    verifier = Webhook(secret)

    def check(request: Request) -> None:
        assert request.method == "POST"
        body = verifier.verify(request.body, request.headers)  # raises when the signature is bad
        assert set(body) == {"type", "timestamp", "data"}
        assert body["data"]["id"] == request.headers["webhook-id"]
        assert set(body["data"]) == {
            "id", "urgency", "title", "text", "recipient", "incident", "acknowledge_url",
            "resolve_url", "links", "thread",
        }  # fmt: skip

    def checked(request: Request) -> None:
        try:
            check(request)
        except Exception as error:  # a verification error is a failed check, not a crash
            raise AssertionError(f"{type(error).__name__}: {error}") from error

    return checked


def apprise_json(request: Request) -> None:
    """Apprise's json:// (github.com/caronc/apprise/wiki/Notify_Custom_JSON): version, title,
    message, attachments and type."""
    assert request.method == "POST"
    body = request.json()
    assert set(body) == {"version", "title", "message", "attachments", "type"}, sorted(body)
    assert body["type"] in ("info", "success", "warning", "failure")
