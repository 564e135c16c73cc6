"""Signed webhooks: each request verified by the Standard Webhooks reference library (not
onwatch's code) at a real HTTP receiver; the id is the idempotency key, kept across retries."""

from __future__ import annotations

import base64

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from onwatch.channels.base import Destination, GiveUp, Retry, Sender, Sent
from tests import shapes
from tests.adapters.channels.sample import page
from tests.receivers import receiving

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def test_a_page_is_signed_so_the_standard_webhooks_library_verifies_it(
    senders: dict[str, Sender],
) -> None:
    with receiving(shapes.standard_webhook(SECRET)) as hook:
        destination = Destination("webhook", {"url": hook.url + "onwatch", "secret": SECRET})
        outcome = senders["webhook"].send(page(), destination)
        [request] = hook.take(1)

    assert isinstance(outcome, Sent)
    assert request.headers["webhook-id"] == "page:7:0:0:0:3:12:0"
    assert request.headers["webhook-signature"].startswith("v1,")
    body = Webhook(SECRET).verify(request.body, request.headers)
    assert body["type"] == "incident.page"
    data = body["data"]
    assert (data["id"], data["urgency"], data["recipient"]) == (
        "page:7:0:0:0:3:12:0",
        "high",
        "Ann Archer",
    )
    assert data["incident"] == {
        "id": 7,
        "url": "https://onwatch.example.org/incidents/7",
        "service": "checkout",
        "severity": "sev1",
        "status": "triggered",
        "summary": "card payments failing",
        "opened_at": "2026-03-02T14:00:00Z",
    }
    assert data["acknowledge_url"] == "https://onwatch.example.org/act/ack.signed-token"
    # Another secret does not verify it: the check above means something.
    other = "whsec_" + base64.b64encode(bytes(32)).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, request.headers)


def test_a_retry_carries_the_same_webhook_id_and_a_fresh_valid_signature(
    senders: dict[str, Sender],
) -> None:
    with receiving(shapes.standard_webhook(SECRET)) as hook:
        hook.answer(500)
        destination = Destination("webhook", {"url": hook.url, "secret": SECRET})
        first = senders["webhook"].send(page(), destination)
        second = senders["webhook"].send(page(), destination)
        failed, delivered = hook.take(2)

    assert isinstance(first, Retry) and isinstance(second, Sent)
    assert failed.headers["webhook-id"] == delivered.headers["webhook-id"] == "page:7:0:0:0:3:12:0"
    for request in (failed, delivered):
        Webhook(SECRET).verify(request.body, request.headers)


def test_a_secret_that_is_not_whsec_base64_gives_up_before_sending(
    senders: dict[str, Sender],
) -> None:
    destination = Destination("webhook", {"url": "http://127.0.0.1:9/", "secret": "hunter2"})
    outcome = senders["webhook"].send(page(), destination)
    assert isinstance(outcome, GiveUp)
    assert "must start with whsec_" in outcome.why and "hunter2" not in outcome.why
