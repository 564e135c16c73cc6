"""The stand-in receivers themselves: they record what they got, answer what they are told,
and fail a test that leaves a message nobody expected."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import httpx
import pytest
import trustme

from tests.receivers import HttpReceiver, SmtpReceiver


def test_an_http_receiver_answers_as_told_then_200_and_records_each_request() -> None:
    receiver = HttpReceiver()
    try:
        receiver.answer((503, {"retry-after": "7"}, b"busy"))
        first = httpx.post(receiver.url + "hook", json={"n": 1})
        second = httpx.post(receiver.url + "hook", json={"n": 2})
        assert (first.status_code, first.headers["retry-after"]) == (503, "7")
        assert second.status_code == 200
        assert [r.json() for r in receiver.take(2)] == [{"n": 1}, {"n": 2}]
        receiver.assert_silent()
    finally:
        receiver.close()


def test_a_message_nobody_took_fails_the_test() -> None:
    receiver = HttpReceiver()
    try:
        httpx.post(receiver.url, content=b"unexpected page")
        receiver.take(1)
        httpx.post(receiver.url, content=b"another")
        with pytest.raises(pytest.fail.Exception, match="nobody expected"):
            receiver.take(0) or receiver.assert_silent()
    finally:
        receiver.close()


def test_a_shape_check_that_fails_is_answered_400_and_reported() -> None:
    def check(request) -> None:  # type: ignore[no-untyped-def]
        assert request.json().get("text"), "a text is required"

    receiver = HttpReceiver(check)
    try:
        assert httpx.post(receiver.url, json={}).status_code == 400
        with pytest.raises(pytest.fail.Exception, match="a text is required"):
            receiver.take(1)
    finally:
        receiver.close()


def test_the_smtp_receiver_requires_starttls_and_login_and_keeps_the_mail() -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    receiver = SmtpReceiver(tls_context=server_context, login=("onwatch", "s3cret"))
    try:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "onwatch@example.org", "ann@example.org", "hi"
        mail.set_content("page")
        with smtplib.SMTP(receiver.host, receiver.port) as smtp:
            with pytest.raises(smtplib.SMTPException):
                smtp.send_message(mail)  # refused before STARTTLS
            smtp.starttls(context=client_context)
            smtp.login("onwatch", "s3cret")
            smtp.send_message(mail)
        [got] = receiver.take(1)
        assert (got.tls, got.authenticated_as, got.envelope_to) == (
            True,
            "onwatch",
            ["ann@example.org"],
        )
        assert got.message["Subject"] == "hi"
        receiver.assert_silent()
    finally:
        receiver.close()
