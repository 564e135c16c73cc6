"""Apprise URLs for the long tail (Telegram, Discord, Pushover, Matrix, Mattermost, Twilio SMS
and a hundred more, https://github.com/caronc/apprise/wiki): the `apprise` library speaks to
them, installed as an extra (`pip install 'onwatch[apprise]'`). Its network calls happen in its
own code, so each send runs in a thread with socket timeouts and an overall deadline."""

from __future__ import annotations

import logging
import threading
from typing import Any

from onwatch.channels.base import Destination, GiveUp, Outcome, Retry, Sent
from onwatch.channels.text import plain
from onwatch.notifications.messages import Message

INSTALL = (
    "the apprise library is not installed, so Apprise channels cannot send; install it with "
    "pip install 'onwatch[apprise]' where onwatch runs, then restart onwatch"
)
# Apprise's own defaults are 4 s to connect and 4 s to read per request; a service that makes
# several requests (Telegram with attachments, Matrix logging in) takes a few.
SOCKET_TIMEOUT = 10.0
DEADLINE = 60.0


def load() -> Any:
    """The apprise module, or None when it is not installed."""
    try:
        import apprise  # an optional extra, heavy to import: only when a send needs it
    except ImportError:
        return None
    return apprise


def is_apprise_url(url: str) -> bool | None:
    """Whether Apprise knows how to send to `url`; None when the library is not installed."""
    library = load()
    if library is None:
        return None
    return bool(library.Apprise().add(url))


class AppriseSender:
    kind = "apprise"

    def __init__(self, socket_timeout: float = SOCKET_TIMEOUT, deadline: float = DEADLINE) -> None:
        self.socket_timeout = socket_timeout
        self.deadline = deadline

    def send(self, message: Message, destination: Destination) -> Outcome:
        library = load()
        if library is None:
            return GiveUp(INSTALL)
        url = destination.settings.get("url") or destination.settings.get("address")
        if not url:
            return GiveUp("the Apprise channel has no URL")
        sender = library.Apprise()
        # Never name the URL in the outcome: Apprise URLs carry tokens and passwords.
        if not sender.add(str(url)):
            return GiveUp(
                "Apprise does not recognise this URL (see the Apprise wiki for its forms)"
            )
        for service in sender:
            service.socket_connect_timeout = self.socket_timeout
            service.socket_read_timeout = self.socket_timeout
        return self._notify(library, sender, message)

    def _notify(self, library: Any, sender: Any, message: Message) -> Outcome:
        kind = (
            library.NotifyType.FAILURE if message.urgency == "high" else library.NotifyType.WARNING
        )
        done: dict[str, Any] = {}

        def run() -> None:
            with library.LogCapture(level=logging.WARNING) as logs:
                try:
                    done["ok"] = bool(
                        sender.notify(body=plain(message), title=message.title, notify_type=kind)
                    )
                except Exception as error:  # Apprise's plugins raise what their clients raise
                    done["error"] = f"{type(error).__name__}: {error}"
                done["log"] = logs.getvalue()

        # Daemon: a plugin stuck past its socket timeouts must not keep the engine from exiting.
        worker = threading.Thread(target=run, name="apprise-send", daemon=True)
        worker.start()
        worker.join(self.deadline)
        if worker.is_alive():
            return Retry(f"Apprise did not finish within {self.deadline:.0f} s")
        if done.get("ok"):
            return Sent("Apprise sent it")
        why = done.get("error") or _last_line(done.get("log", "")) or "Apprise could not send it"
        # Apprise says only whether it worked, not whether trying again can help; a wrong token
        # retried a few times costs little, a page dropped after one network error costs much.
        return Retry(why)


def _last_line(log: str) -> str:
    lines = [line.split(" - ", 2)[-1] for line in log.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
