"""What a receiver's answer means for delivery, over real HTTP: 2xx sent; 5xx, 408 and 429 (after
the Retry-After it gives) and network failures retried; any other 4xx given up; and a send whose
secret cannot be read given up with a sentence naming it."""

from __future__ import annotations

import socket
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from onwatch.channels import posting, registry
from onwatch.channels.base import GiveUp, Retry, Sender, Sent
from onwatch.core.clock import FakeClock
from tests.adapters.channels.sample import page
from tests.conftest import START
from tests.receivers import HttpReceiver


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (200, Sent("127.0.0.1 answered 200")),
        (202, Sent("127.0.0.1 answered 202")),
        ((500, {}, b"internal error"), Retry("127.0.0.1 answered 500: internal error")),
        ((503, {"retry-after": "120"}, b""),
         Retry("127.0.0.1 answered 503", timedelta(seconds=120))),
        ((429, {"retry-after": "7"}, b"rate_limited"),
         Retry("127.0.0.1 answered 429: rate_limited", timedelta(seconds=7))),
        (408, Retry("127.0.0.1 answered 408")),
        ((400, {}, b"invalid_payload"), GiveUp("127.0.0.1 answered 400: invalid_payload")),
        ((404, {}, b"no_service"), GiveUp("127.0.0.1 answered 404: no_service")),
        (410, GiveUp("127.0.0.1 answered 410")),
    ],
)  # fmt: skip
def test_an_answer_becomes_sent_retry_or_give_up(
    http_receiver: HttpReceiver, senders: dict[str, Sender], answer: object, expected: object
) -> None:
    http_receiver.answer(answer)  # type: ignore[arg-type]
    snapshot = {"kind": "slack", "url": http_receiver.url + "services/T/B/X"}
    assert registry.send(senders, page(), snapshot) == expected
    http_receiver.take(1)


def test_a_retry_after_date_is_a_wait_from_now(http_receiver: HttpReceiver) -> None:
    clock = FakeClock(START)
    later = format_datetime(START + timedelta(seconds=90), usegmt=True)
    http_receiver.answer((429, {"retry-after": later}, b""))
    with httpx.Client() as http:
        outcome = posting.post(http, http_receiver.url, json={}, now=clock.now())
    http_receiver.take(1)
    assert outcome == Retry("127.0.0.1 answered 429", timedelta(seconds=90))


def test_a_redirect_is_not_followed_and_gives_up(
    http_receiver: HttpReceiver, senders: dict[str, Sender]
) -> None:
    http_receiver.answer((301, {"location": "https://elsewhere.example.org/hook"}, b""))
    outcome = registry.send(senders, page(), {"kind": "teams", "url": http_receiver.url})
    http_receiver.take(1)
    assert isinstance(outcome, GiveUp) and "elsewhere.example.org" in outcome.why


def test_a_refused_connection_is_retried(senders: dict[str, Sender]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = registry.send(senders, page(), {"kind": "ntfy", "url": f"http://127.0.0.1:{port}/t"})
    assert isinstance(outcome, Retry)
    assert outcome.why.startswith("cannot reach 127.0.0.1: ") and "refused" in outcome.why


def test_a_receiver_that_never_answers_is_retried() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with httpx.Client(timeout=0.2) as http:
            outcome = posting.post(http, url, json={}, now=START)
    assert outcome == Retry("127.0.0.1 did not answer in time")


def test_a_secret_that_cannot_be_read_gives_up_naming_its_reference(
    senders: dict[str, Sender],
) -> None:
    snapshot = {"kind": "slack", "url": "env:OPS_SLACK_WEBHOOK"}
    outcome = registry.send(senders, page(), snapshot, environ={})
    assert outcome == GiveUp("env:OPS_SLACK_WEBHOOK is not set; set it where onwatch's engine runs")


def test_a_kind_without_a_sender_gives_up(senders: dict[str, Sender]) -> None:
    assert registry.send(senders, page(), {"kind": "fax", "address": "+15555550100"}) == GiveUp(
        "no sender for destinations of kind 'fax'"
    )
