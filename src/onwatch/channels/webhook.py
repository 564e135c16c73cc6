"""A generic webhook signed per the Standard Webhooks spec (https://www.standardwebhooks.com):
`webhook-id` (the outbox row's idempotency key, the same on every retry, so a receiver drops a
message it already has), `webhook-timestamp`, and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">` keyed with the base64-decoded `whsec_` secret. The JSON body is
documented in docs/channels.md."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from onwatch.channels.base import Destination, GiveUp, Outcome
from onwatch.channels.posting import HttpSender, post
from onwatch.channels.text import actions
from onwatch.notifications.messages import Message

PREFIX = "whsec_"
# The spec recommends secrets of 24 to 64 random bytes.
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
VERSION = "v1"
GENERATE = (
    "python3 -c \"import base64, os; print('whsec_' + base64.b64encode(os.urandom(32)).decode())\""
)


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_…` secret holds; ValueError with a sentence when it holds none
    (the sentence never repeats the secret)."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"must start with {PREFIX} (make a secret with: {GENERATE})")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"must be {PREFIX} followed by base64 (make a secret with: {GENERATE})"
        ) from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(
            f"must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes, not {len(key)} "
            f"(make a secret with: {GENERATE})"
        )
    return key


def signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def event_type(message: Message) -> str:
    return {
        "page": "incident.page",
        "channel": "incident.notice",
        "test": "test",
        "handoff": "handoff",
    }.get(message.kind, message.kind)


def body(message: Message, sent_at: datetime) -> dict[str, Any]:
    """The JSON body (docs/channels.md): Standard Webhooks' `type`, `timestamp` and `data`."""
    incident = None
    if message.incident_id is not None:
        incident = {
            "id": message.incident_id,
            "url": message.incident_url,
            "service": message.service,
            "severity": message.severity,
            "status": message.status,
            "summary": message.summary,
            "opened_at": _instant(message.opened_at),
        }
    return {
        "type": event_type(message),
        "timestamp": _instant(sent_at),
        "data": {
            "id": message.key,
            "urgency": message.urgency,
            "title": message.title,
            "text": message.text,
            "recipient": message.recipient,
            "incident": incident,
            "acknowledge_url": message.ack_url,
            "resolve_url": message.resolve_url,
            "links": [{"title": link.title, "url": link.url} for link in actions(message)],
            "thread": message.thread_key,
        },
    }


class WebhookSender(HttpSender):
    kind = "webhook"

    def send(self, message: Message, destination: Destination) -> Outcome:
        url = self.url_of(destination)
        secret = destination.settings.get("secret")
        if not url:
            return GiveUp("the webhook has no URL")
        if not secret:
            return GiveUp("the webhook has no signing secret")
        try:
            key = secret_key(str(secret))
        except ValueError as error:
            return GiveUp(f"the webhook's secret {error}")
        now = self.clock.now()
        content = json.dumps(body(message, now), separators=(",", ":")).encode()
        timestamp = int(now.timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": message.key,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(key, message.key, timestamp, content),
        }
        return post(self.http, url, content=content, headers=headers, now=now)


def _instant(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at is not None else None
