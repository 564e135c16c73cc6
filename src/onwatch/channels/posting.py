"""One HTTP POST to a receiver and what its answer means for delivery: 2xx sent; a network error,
a timeout, 408, 429 or 5xx worth retrying (after the receiver's Retry-After when it gave one);
any other answer a reason to give up. Shared by every sender that speaks HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from onwatch.channels.base import Destination, GiveUp, Outcome, Retry, Sent
from onwatch.core.clock import Clock

RETRYABLE = frozenset({408, 425, 429})


class HttpSender:
    """What the senders that POST share: the engine's HTTP client, the clock that stamps what
    receivers check, and the destination's URL (a channel's `url`, a contact's `address`)."""

    kind = ""

    def __init__(self, http: httpx.Client, clock: Clock) -> None:
        self.http = http
        self.clock = clock

    @staticmethod
    def url_of(destination: Destination) -> str:
        return str(destination.settings.get("url") or destination.settings.get("address") or "")


# What a receiver said, kept with the outcome (the outbox's last error): enough to diagnose.
ANSWER_CHARS = 200


def post(
    http: httpx.Client,
    url: str,
    *,
    now: datetime,
    json: Any = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Outcome:
    """POST and judge the answer. Outcomes name the receiver by its host only: the rest of a
    Slack or Teams URL is a credential and must not reach the outbox's last error."""
    where = host_of(url)
    try:
        response = http.post(url, json=json, content=content, headers=dict(headers or {}))
    except httpx.TimeoutException:
        return Retry(f"{where} did not answer in time")
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        return GiveUp(f"{where}: not an http or https URL")
    except httpx.TransportError as error:
        return Retry(f"cannot reach {where}: {_reason(error)}")
    return judged(response.status_code, response.headers, response.text, where, now)


def judged(
    status: int, headers: Mapping[str, str], body: str, where: str, now: datetime
) -> Outcome:
    said = f"{where} answered {status}" + (f": {_said(body)}" if _said(body) else "")
    if 200 <= status < 300:
        return Sent(f"{where} answered {status}")
    if status in RETRYABLE or status >= 500:
        return Retry(said, retry_after(headers.get("retry-after"), now))
    if 300 <= status < 400:
        target = host_of(headers.get("location", ""))
        return GiveUp(f"{said} (a redirect to {target}: use the URL it points to)")
    return GiveUp(said)


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header as a wait: delay-seconds, or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return parts.hostname or "the receiver"
    except ValueError:
        return "the receiver"


def _said(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def _reason(error: Exception) -> str:
    # httpx wraps the socket error; its text ("[Errno 111] Connection refused") is the reason.
    cause = error.__cause__ or error.__context__
    return str(cause or error) or type(error).__name__
