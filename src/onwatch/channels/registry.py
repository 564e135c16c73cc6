"""The senders of every channel kind, built from settings for the engine's delivery stage, and
one send of one outbox row: resolve the secrets its destination refers to (now, never stored),
pick the sender of its kind, and turn anything unexpected into an outcome rather than a crash."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from onwatch.channels.apprise import AppriseSender
from onwatch.channels.base import Destination, GiveUp, Outcome, Retry, Sender
from onwatch.channels.github import GitHubIssuesSender
from onwatch.channels.ntfy import NtfySender
from onwatch.channels.slack import SlackSender
from onwatch.channels.smtp import SmtpSender
from onwatch.channels.teams import TeamsSender
from onwatch.channels.webhook import WebhookSender
from onwatch.core import secrets
from onwatch.core.clock import Clock, SystemClock
from onwatch.core.settings import Settings
from onwatch.notifications.messages import Message

log = logging.getLogger(__name__)
# A destination snapshot's fields that may be references (`env:NAME`, `file:/path`).
REFERABLE = ("url", "address", "secret", "token")


def senders(
    settings: Settings, http: httpx.Client, clock: Clock | None = None
) -> dict[str, Sender]:
    """One sender per kind. `clock` stamps what receivers check against their own clock
    (webhook timestamps, e-mail Date, Retry-After dates), so it is the wall clock by default
    even when the engine runs on a fake one."""
    wall = clock or SystemClock()
    return {
        "email": SmtpSender(settings, wall),
        "slack": SlackSender(http, wall),
        "teams": TeamsSender(http, wall),
        "webhook": WebhookSender(http, wall),
        "ntfy": NtfySender(http, wall),
        "apprise": AppriseSender(),
        "github": GitHubIssuesSender(http, wall),
    }


def http_client(timeout: float = 10.0) -> httpx.Client:
    """The client senders post with: bounded time, and no redirects followed (a webhook that
    moved is changed in the config, not chased; a redirect would also resend a signed body to
    wherever it points). HTTPS_PROXY and the like are honoured, as a corporate network needs."""
    return httpx.Client(timeout=timeout, follow_redirects=False)


def destination(
    snapshot: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Destination:
    """The destination of an outbox row (`{"kind": "slack", "url": "env:OPS_SLACK_WEBHOOK"}`)
    with its references replaced by their values. SecretUnavailable when one cannot be read."""
    fields = {k: v for k, v in snapshot.items() if k != "kind"}
    for name in REFERABLE:
        value = fields.get(name)
        if secrets.is_reference(value):
            try:
                fields[name] = secrets.resolve(str(value), environ)
            except ValueError as error:  # a malformed reference stored before it was checked
                raise secrets.SecretUnavailable(f"{name}: {error}") from None
    return Destination(kind=str(snapshot.get("kind", "")), settings=fields)


def send(
    known: Mapping[str, Sender],
    message: Message,
    snapshot: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    """Deliver one message to the destination an outbox row snapshotted; never raises."""
    kind = str(snapshot.get("kind", ""))
    sender = known.get(kind)
    if sender is None:
        return GiveUp(f"no sender for destinations of kind {kind!r}")
    try:
        resolved = destination(snapshot, environ)
    except secrets.SecretUnavailable as error:
        return GiveUp(f"{error}; set it where onwatch's engine runs")
    try:
        return sender.send(message, resolved)
    except Exception as error:  # a bug in a sender must cost one message, not the engine
        log.exception("the %s sender failed on %s", kind, message.key)
        return Retry(f"the {kind} sender failed: {type(error).__name__}")
