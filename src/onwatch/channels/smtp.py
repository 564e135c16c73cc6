"""E-mail over SMTP (STARTTLS, implicit TLS, or plain on a trusted network; login with a password
held by reference), as a plain-text and an HTML part with everything escaped. All mail about one
incident is one thread: each message replies to the same root id (In-Reply-To, References),
derived from the thread key (by default the incident) and the host of ONWATCH_BASE_URL, and a
message's own Message-ID comes from its idempotency key, so a retried send is recognisably the
same message. A message marked as its thread's root (the first stakeholder e-mail) carries the
root id as its own Message-ID instead, so later ones reply to a message people have."""

from __future__ import annotations

import hashlib
import html
import ipaddress
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from onwatch.channels.base import Destination, GiveUp, Outcome, Retry, Sent
from onwatch.channels.text import actions, facts, one_line, plain
from onwatch.core import secrets
from onwatch.core.clock import Clock
from onwatch.core.settings import Settings
from onwatch.notifications.messages import Message

SUBJECT_CHARS = 200
BUTTON = (
    "display:inline-block;padding:8px 14px;margin:0 6px 6px 0;border-radius:4px;"
    "background:#1f6feb;color:#ffffff;text-decoration:none;font-weight:bold"
)


def mail_host(base_url: str) -> str:
    """The right-hand side of onwatch's Message-IDs and default sender: the public host."""
    host = urlsplit(base_url).hostname or "onwatch.invalid"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"  # an address literal, as RFC 5322 writes one


def thread_id(message: Message, host: str) -> str | None:
    """The id every message about the incident replies to."""
    if message.thread_key:
        name = re.sub(r"[^A-Za-z0-9.-]+", "-", message.thread_key).strip("-")
    elif message.incident_id is not None:
        name = f"incident-{message.incident_id}"
    else:
        return None
    return f"<{name}@{host}>"


def message_id(message: Message, host: str) -> str:
    return f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@{host}>"


def compose(
    message: Message, recipients: list[str], sender: str, host: str, clock: Clock
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = one_line(message.title)[:SUBJECT_CHARS] or "onwatch"
    mail["Date"] = format_datetime(clock.now())
    root = thread_id(message, host)
    if root and message.thread_root:
        # The thread's first message is its root: later ones reply to this very id.
        mail["Message-ID"] = root
    else:
        mail["Message-ID"] = message_id(message, host)
        if root:
            mail["In-Reply-To"] = root
            mail["References"] = root
    # Machine-sent: no vacation replies or read receipts back to the sender (RFC 3834).
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail["X-Onwatch-Key"] = message.key
    for name, value in message.headers:  # List-Unsubscribe and the like, written by the domain
        if name not in mail:
            mail[name] = one_line(value)
    mail.set_content(plain(message) if message.html is None else message.text)
    mail.add_alternative(message.html or html_body(message), subtype="html")
    for attachment in message.attachments:
        subtype, params = _content_type(attachment.content_type)
        mail.add_attachment(
            attachment.content, subtype=subtype, filename=attachment.filename, params=params
        )
    return mail


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    """`text/calendar; method=REQUEST` as ("calendar", {"method": "REQUEST"}): attachments are
    text (the outbox keeps them in JSON)."""
    kind, *rest = [part.strip() for part in value.split(";")]
    params = dict(p.split("=", 1) for p in rest if "=" in p)
    return kind.split("/", 1)[-1] or "plain", params


def html_body(message: Message) -> str:
    e = html.escape
    cell = 'align="left" style="padding:2px 12px 2px 0"'
    rows = "".join(
        f"<tr><th {cell}>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in facts(message)
    )
    links = "".join(
        f'<a href="{e(link.url)}" style="{BUTTON}">{e(link.title)}</a>' for link in actions(message)
    )
    parts = [
        "<!doctype html>",
        '<html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">',
        f'<h2 style="font-size:18px;margin:0 0 12px">{e(one_line(message.title))}</h2>',
        f"<table>{rows}</table>" if rows else "",
        f'<p style="white-space:pre-wrap">{e(message.text.strip())}</p>',
        f"<p>{links}</p>" if links else "",
        f'<p style="color:#666666;font-size:12px">onwatch · {e(message.key)}</p>',
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


class SmtpSender:
    kind = "email"

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.host = mail_host(settings.resolved_base_url())

    @property
    def sender(self) -> str:
        return self.settings.smtp_from or formataddr(("onwatch", f"onwatch@{self.host}"))

    def send(self, message: Message, destination: Destination) -> Outcome:
        to = destination.settings.get("to") or destination.settings.get("address")
        recipients = [str(a) for a in ([to] if isinstance(to, str) else list(to or []))]
        if not recipients:
            return GiveUp("the e-mail destination has no address")
        if not self.settings.smtp_host:
            return GiveUp("no SMTP server is configured: set ONWATCH_SMTP_HOST (docs/channels.md)")
        password: str | None = None
        if self.settings.smtp_username:
            if not self.settings.smtp_password:
                return GiveUp("ONWATCH_SMTP_USERNAME is set but ONWATCH_SMTP_PASSWORD is not")
            try:
                password = secrets.resolve(self.settings.smtp_password)
            except secrets.SecretUnavailable as error:
                return GiveUp(f"the SMTP password: {error}")
        mail = compose(message, recipients, self.sender, self.host, self.clock)
        return self._submit(mail, recipients, password)

    def _submit(self, mail: EmailMessage, recipients: list[str], password: str | None) -> Outcome:
        s = self.settings
        where = f"the SMTP server {s.smtp_host}:{s.smtp_port}"
        try:
            context = ssl.create_default_context(cafile=s.smtp_ca_file or None)
        except (OSError, ssl.SSLError) as error:
            return GiveUp(f"ONWATCH_SMTP_CA_FILE cannot be read as PEM: {error}")
        try:
            if s.smtp_security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=context
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            with client:
                if s.smtp_security == "starttls":
                    client.starttls(context=context)
                if s.smtp_username:
                    client.login(s.smtp_username, password or "")
                refused = client.send_message(
                    mail, from_addr=parseaddr(self.sender)[1], to_addrs=recipients
                )
        except smtplib.SMTPNotSupportedError:
            return GiveUp(
                f"{where} does not offer STARTTLS; set ONWATCH_SMTP_SECURITY=tls (port 465), "
                "or none on a trusted network only"
            )
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            why = f"{where} refused every recipient: " + _refusals(error.recipients)
            return GiveUp(why) if all(c >= 500 for c in codes) else Retry(why)
        except smtplib.SMTPConnectError as error:
            return Retry(f"{where} would not talk: {_said(error.smtp_code, error.smtp_error)}")
        except smtplib.SMTPAuthenticationError as error:
            why = f"{where} refused the login of {s.smtp_username}: " + _said(
                error.smtp_code, error.smtp_error
            )
            return GiveUp(why) if error.smtp_code >= 500 else Retry(why)
        except smtplib.SMTPResponseException as error:
            why = f"{where} answered {_said(error.smtp_code, error.smtp_error)}"
            return GiveUp(why) if error.smtp_code >= 500 else Retry(why)
        except ssl.SSLCertVerificationError as error:
            return GiveUp(
                f"{where} presented a certificate that is not trusted ({error.verify_message}); "
                "for a private CA set ONWATCH_SMTP_CA_FILE"
            )
        except (smtplib.SMTPException, OSError) as error:
            return Retry(f"cannot reach {where}: {error or type(error).__name__}")
        if refused:
            return Sent(f"sent; {where} refused " + _refusals(refused))
        return Sent(f"{where} accepted it")


def _said(code: int, text: bytes | str) -> str:
    words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"[:200]


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({_said(code, text)})" for address, (code, text) in refused.items()
    )
