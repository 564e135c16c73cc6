"""E-mail through a real SMTP server (aiosmtpd) on loopback: STARTTLS with a certificate from a
test CA (trustme), login with a password read from its reference, a plain-text and an HTML part
with everything escaped, and one thread per incident."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from onwatch.channels.base import Destination, GiveUp, Retry, Sent
from onwatch.channels.smtp import SmtpSender
from onwatch.core.clock import SystemClock
from onwatch.core.settings import Settings
from tests.adapters.channels.sample import notice, page
from tests.receivers import SmtpReceiver

LOGIN = ("onwatch", "s3cret-Pa55")
ROOT = "<incident-7@onwatch.example.org>"


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def smtp(authority: trustme.CA) -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver(tls_context=server_context(authority), login=LOGIN)
    try:
        yield receiver
    finally:
        receiver.close()
    receiver.assert_silent()


def sender(receiver: SmtpReceiver, tmp_path: Path, **settings: Any) -> SmtpSender:
    defaults: dict[str, Any] = {
        "data_dir": tmp_path,
        "base_url": "https://onwatch.example.org",
        "smtp_host": receiver.host,
        "smtp_port": receiver.port,
        "smtp_username": LOGIN[0],
        "smtp_password": "env:ONWATCH_TEST_SMTP_PASSWORD",
    }
    return SmtpSender(Settings(**{**defaults, **settings}), SystemClock())


def to(*addresses: str) -> Destination:
    return Destination(
        "email", {"address": addresses[0]} if len(addresses) == 1 else {"to": list(addresses)}
    )


def test_a_page_goes_over_starttls_with_login_as_text_and_escaped_html(
    smtp: SmtpReceiver, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_TEST_SMTP_PASSWORD", LOGIN[1])
    mailer = sender(
        smtp, tmp_path, smtp_ca_file=str(ca_file), smtp_from="Pager <pager@example.org>"
    )
    sly = page(text='Checkout <script>alert("x")</script> & co fail.')

    outcome = mailer.send(sly, to("ann@example.org"))

    [mail] = smtp.take(1)
    assert isinstance(outcome, Sent), outcome
    assert (mail.tls, mail.authenticated_as) == (True, "onwatch")
    assert (mail.envelope_from, mail.envelope_to) == ("pager@example.org", ["ann@example.org"])
    message = mail.message
    assert message["From"] == "Pager <pager@example.org>"
    assert message["Subject"] == "[sev1] checkout: card payments failing"
    assert message["In-Reply-To"] == message["References"] == ROOT
    assert message["Message-ID"].endswith("@onwatch.example.org>")
    assert (message["Auto-Submitted"], message["X-Onwatch-Key"]) == (
        "auto-generated",
        "page:7:0:0:0:3:12:0",
    )
    text = message.get_body(("plain",)).get_content()
    assert 'Checkout <script>alert("x")</script> & co fail.' in text
    assert "Acknowledge: https://onwatch.example.org/act/ack.signed-token" in text
    html = message.get_body(("html",)).get_content()
    assert "Checkout &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co fail." in html
    assert "<script>" not in html
    assert 'href="https://onwatch.example.org/act/resolve.signed-token"' in html


def test_mail_about_one_incident_is_one_thread_and_a_resend_keeps_its_message_id(
    smtp: SmtpReceiver, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_TEST_SMTP_PASSWORD", LOGIN[1])
    mailer = sender(smtp, tmp_path, smtp_ca_file=str(ca_file))
    for message in (page(), page(), notice()):
        assert isinstance(mailer.send(message, to("ann@example.org", "ops@example.org")), Sent)

    first, again, other = (m.message for m in smtp.take(3))
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert {m["References"] for m in (first, again, other)} == {ROOT}
    assert first["To"] == "ann@example.org, ops@example.org"
    assert first["From"] == "onwatch <onwatch@onwatch.example.org>"


def test_implicit_tls_from_the_first_byte(
    authority: trustme.CA, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_TEST_SMTP_PASSWORD", LOGIN[1])
    receiver = SmtpReceiver(tls_context=server_context(authority), login=LOGIN, implicit_tls=True)
    try:
        mailer = sender(receiver, tmp_path, smtp_security="tls", smtp_ca_file=str(ca_file))
        assert isinstance(mailer.send(page(), to("ann@example.org")), Sent)
        [mail] = receiver.take(1)
        receiver.assert_silent()
    finally:
        receiver.close()
    assert mail.authenticated_as == "onwatch"


def test_a_wrong_password_gives_up_and_names_the_login_not_the_password(
    smtp: SmtpReceiver, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_TEST_SMTP_PASSWORD", "wrong-password")
    outcome = sender(smtp, tmp_path, smtp_ca_file=str(ca_file)).send(page(), to("ann@example.org"))
    assert isinstance(outcome, GiveUp)
    assert "refused the login of onwatch: 535" in outcome.why
    assert "wrong-password" not in outcome.why


def test_a_certificate_from_an_unknown_ca_gives_up_pointing_at_the_ca_setting(
    smtp: SmtpReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_TEST_SMTP_PASSWORD", LOGIN[1])
    outcome = sender(smtp, tmp_path).send(page(), to("ann@example.org"))
    assert isinstance(outcome, GiveUp) and "ONWATCH_SMTP_CA_FILE" in outcome.why


def test_an_unset_password_variable_gives_up_naming_it(
    smtp: SmtpReceiver, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONWATCH_TEST_SMTP_PASSWORD", raising=False)
    outcome = sender(smtp, tmp_path, smtp_ca_file=str(ca_file)).send(page(), to("ann@example.org"))
    assert isinstance(outcome, GiveUp)
    assert outcome.why == "the SMTP password: env:ONWATCH_TEST_SMTP_PASSWORD is not set"


def test_a_server_that_is_down_is_retried(tmp_path: Path) -> None:
    down = SmtpReceiver()
    down.close()  # its port now refuses connections
    mailer = SmtpSender(
        Settings(data_dir=tmp_path, smtp_host=down.host, smtp_port=down.port), SystemClock()
    )
    outcome = mailer.send(page(), to("ann@example.org"))
    assert isinstance(outcome, Retry) and "refused" in outcome.why.lower()


def test_without_a_server_configured_mail_gives_up_saying_which_setting(tmp_path: Path) -> None:
    outcome = SmtpSender(Settings(data_dir=tmp_path), SystemClock()).send(page(), to("a@b.org"))
    assert isinstance(outcome, GiveUp) and "ONWATCH_SMTP_HOST" in outcome.why
