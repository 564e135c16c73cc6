"""Apprise: a real Apprise URL (json://, and ntfy://) pointed at a loopback receiver, through the
apprise library the extra installs; without the library, a sentence saying how to install it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from onwatch.channels import registry
from onwatch.channels.base import GiveUp, Retry, Sender, Sent
from tests import shapes
from tests.adapters.channels.sample import page
from tests.receivers import HttpReceiver, receiving


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with receiving() as found:
        yield found


def apprise_url(scheme: str, receiver: HttpReceiver, path: str) -> str:
    return receiver.url.replace("http://", f"{scheme}://") + path


def test_an_apprise_json_url_from_a_reference_delivers_to_a_loopback_receiver(
    receiver: HttpReceiver, senders: dict[str, Sender]
) -> None:
    receiver.check = shapes.apprise_json
    environ = {"CHAT_APPRISE_URL": apprise_url("json", receiver, "hooks/onwatch")}
    snapshot = {"kind": "apprise", "url": "env:CHAT_APPRISE_URL"}

    outcome = registry.send(senders, page(), snapshot, environ)

    [request] = receiver.take(1)
    assert isinstance(outcome, Sent), outcome
    assert request.path == "/hooks/onwatch"
    body = request.json()
    assert (body["title"], body["type"]) == ("[sev1] checkout: card payments failing", "failure")
    assert "Acknowledge: https://onwatch.example.org/act/ack.signed-token" in body["message"]


def test_an_apprise_ntfy_url_publishes_to_the_topic(
    receiver: HttpReceiver, senders: dict[str, Sender]
) -> None:
    snapshot = {"kind": "apprise", "url": apprise_url("ntfy", receiver, "oncall-pager")}
    assert isinstance(registry.send(senders, page(urgency="low"), snapshot), Sent)
    [request] = receiver.take(1)
    shapes.ntfy(request)  # Apprise's ntfy plugin also publishes JSON to the server's root
    body = request.json()
    assert (body["topic"], body["title"]) == (
        "oncall-pager",
        "[sev1] checkout: card payments failing",
    )
    assert body["message"].startswith("Card payments fail")


def test_a_service_that_fails_is_retried_with_apprises_reason(
    receiver: HttpReceiver, senders: dict[str, Sender]
) -> None:
    receiver.answer(500)
    snapshot = {"kind": "apprise", "url": apprise_url("json", receiver, "x")}
    outcome = registry.send(senders, page(), snapshot)
    receiver.take(1)
    assert isinstance(outcome, Retry) and outcome.why


def test_a_url_apprise_does_not_know_gives_up_without_repeating_it(
    senders: dict[str, Sender],
) -> None:
    outcome = registry.send(senders, page(), {"kind": "apprise", "url": "nosuch://tok3n@host"})
    assert isinstance(outcome, GiveUp)
    assert "does not recognise" in outcome.why and "tok3n" not in outcome.why


def test_without_the_library_an_apprise_channel_gives_up_saying_how_to_install_it() -> None:
    # A separate interpreter in which `import apprise` fails, as where the extra is missing.
    script = """
import json, sys
sys.modules["apprise"] = None
from onwatch.channels.apprise import AppriseSender
from onwatch.channels.base import Destination
from onwatch.notifications.messages import Message
outcome = AppriseSender().send(
    Message(key="k", kind="test", urgency="high", title="t", text="x"),
    Destination("apprise", {"url": "json://127.0.0.1:9/"}),
)
print(json.dumps([type(outcome).__name__, outcome.why]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    kind, why = json.loads(done.stdout)
    assert kind == "GiveUp"
    assert "pip install 'onwatch[apprise]'" in why
