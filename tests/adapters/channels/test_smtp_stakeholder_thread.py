"""Stakeholder e-mails through a real SMTP server: the first of an incident is the root of its
thread (its Message-ID is the thread's id), later ones reply to it; the domain's headers (RFC
8058 List-Unsubscribe) and HTML body go out as written. Paging threads are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from onwatch.channels.base import Sent
from onwatch.notifications.messages import Message
from tests.adapters.channels.sample import page
from tests.adapters.channels.test_smtp_channel import (
    LOGIN,
    ROOT,
    authority,
    ca_file,
    sender,
    smtp,
    to,
)  # fmt: skip
from tests.receivers import SmtpReceiver

__all__ = ["authority", "ca_file", "smtp"]
STAKEHOLDER_ROOT = "<stakeholders-incident-7@onwatch.example.org>"
UNSUBSCRIBE = "<https://onwatch.example.org/unsubscribe/YQ.sig>"


def update(key: str, *, first: bool) -> Message:
    return Message(
        key=key, kind="update", urgency="low", title="Checkout Production Outage 03-02-2026",
        text="Incident Summary: card payments fail.", incident_id=7,
        html="<html><body><table><tr><th>Business Impact</th><td>None</td></tr></table>"
        "</body></html>",
        headers=(("List-Unsubscribe", UNSUBSCRIBE),
                 ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")),
        thread_key="stakeholders-incident-7", thread_root=first,
    )  # fmt: skip


def test_the_first_stakeholder_email_is_the_root_that_later_ones_reply_to(
    smtp: SmtpReceiver, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_TEST_SMTP_PASSWORD", LOGIN[1])
    mailer = sender(smtp, tmp_path, smtp_ca_file=str(ca_file))
    for message in (update("u:1:a", first=True), update("u:2:a", first=False), page()):
        assert isinstance(mailer.send(message, to("ann@example.org")), Sent)

    first, second, paged = (m.message for m in smtp.take(3))
    assert first["Message-ID"] == STAKEHOLDER_ROOT
    assert first["In-Reply-To"] is None and first["References"] is None
    assert second["In-Reply-To"] == second["References"] == STAKEHOLDER_ROOT
    assert second["Message-ID"] not in (STAKEHOLDER_ROOT, first["Message-ID"])
    assert (first["List-Unsubscribe"], first["List-Unsubscribe-Post"]) == (
        UNSUBSCRIBE,
        "List-Unsubscribe=One-Click",
    )
    assert first["Subject"] == "Checkout Production Outage 03-02-2026"
    html = first.get_body(("html",)).get_content()
    assert "<th>Business Impact</th><td>None</td>" in html
    # Pages keep their own thread, replying to the incident's virtual root.
    assert paged["In-Reply-To"] == paged["References"] == ROOT
    assert paged["Message-ID"] != ROOT
