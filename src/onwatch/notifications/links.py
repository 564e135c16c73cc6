"""Signed links that acknowledge or resolve one incident as one person, for the messages that
person gets (e-mail, push, chat): they expire, and are good for no other incident, person or
action. Channel messages, which reach no one in particular, link to the incident page instead.

A token is `a.12.7.1772460000.email.<signature>`: the action (a or r), incident id, person id,
expiry (Unix seconds), the kind of contact method the message went by (optional), and 128 bits
of HMAC-SHA256 over the rest. Short enough for an SMS or a chat button, and it holds nothing
a reader could not see from the message itself. The key is core/signing.py's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from onwatch.core.errors import OnwatchError

# accept and decline answer a responder request (incidents/responders.py) as the person.
Action = Literal["acknowledge", "resolve", "accept", "decline"]
CODES: dict[str, Action] = {"a": "acknowledge", "r": "resolve", "j": "accept", "d": "decline"}
LETTERS = {action: code for code, action in CODES.items()}
# The path word of each action's link: /l/ack/<token>, /l/resolve/<token>, /l/accept/<token>…
PATH_WORDS: dict[Action, str] = {
    "acknowledge": "ack", "resolve": "resolve", "accept": "accept", "decline": "decline",
}  # fmt: skip
DEFAULT_LIFETIME = timedelta(hours=24)
MAX_TOKEN_CHARS = 160  # a real one is about 50; anything longer is refused unread
MAX_ID_DIGITS = 10
VIA = re.compile(r"[a-z]{1,16}")
_LINK = b"onwatch link v1\n"
_FORM = b"onwatch link form v1\n"


@dataclass(frozen=True)
class Claim:
    """What a valid link says: who may do what to which incident, until when."""

    action: Action
    incident_id: int
    person_id: int
    expires_at: datetime
    via: str = ""  # the contact method kind the message went by ("email", "ntfy"…), or ""


class BadLink(OnwatchError):
    """A link that does nothing: the sentence says why, for the page that refuses it."""

    code = "bad_link"


class ForgedLink(BadLink):
    """Malformed, edited, or signed with a key onwatch no longer has."""


class ExpiredLink(BadLink):
    def __init__(self, message: str, expired_at: datetime) -> None:
        super().__init__(message)
        self.expired_at = expired_at


class WrongAction(BadLink):
    """A valid link of the other action (an ack link at the resolve address)."""


def token(claim: Claim, key: bytes) -> str:
    if claim.via and not VIA.fullmatch(claim.via):
        raise ValueError(f"via must be a short lowercase word, not {claim.via!r}")
    fields = [
        LETTERS[claim.action],
        str(claim.incident_id),
        str(claim.person_id),
        str(int(claim.expires_at.timestamp())),
    ]
    if claim.via:
        fields.append(claim.via)
    payload = ".".join(fields)
    return f"{payload}.{_mac(key, _LINK, payload)}"


def read(text: str, key: bytes, *, action: Action, now: datetime) -> Claim:
    """The claim of a link token given at the address of `action`; ForgedLink, ExpiredLink or
    WrongAction (each a BadLink with a sentence) when it may not act."""
    if len(text) > MAX_TOKEN_CHARS or not text.isascii():
        raise ForgedLink("this is not a link onwatch made")
    payload, _, signature = text.rpartition(".")
    # The signature is checked before anything in the payload is believed.
    if not payload or not hmac.compare_digest(signature, _mac(key, _LINK, payload)):
        raise ForgedLink(
            "this link is not valid: it was changed, or was signed with a key onwatch no longer has"
        )
    code, incident, person, expires, *via = payload.split(".")
    if code not in CODES:
        raise ForgedLink("this is not a link onwatch made")
    claim = Claim(
        CODES[code],
        int(incident),
        int(person),
        datetime.fromtimestamp(int(expires), UTC),
        via[0] if via else "",
    )
    if claim.action != action:
        raise WrongAction(
            f"this link is to {claim.action} the incident, not to {action} it; use the "
            f"message's {claim.action} link"
        )
    if now >= claim.expires_at:
        raise ExpiredLink(
            f"this link expired at {claim.expires_at:%Y-%m-%d %H:%M} UTC; open the incident "
            "in onwatch, or use a newer message",
            claim.expires_at,
        )
    return claim


def links_for(
    base_url: str,
    key: bytes,
    incident_id: int,
    person_id: int,
    now: datetime,
    *,
    lifetime: timedelta = DEFAULT_LIFETIME,
    via: str = "",
) -> tuple[str, str]:
    """(ack_url, resolve_url) for a message to the person about the incident, working until
    `now + lifetime`. `via` is the contact method's kind, shown on the timeline ("Ann Archer
    via email link")."""
    expires_at = now + lifetime
    return (
        link_url(base_url, key, Claim("acknowledge", incident_id, person_id, expires_at, via)),
        link_url(base_url, key, Claim("resolve", incident_id, person_id, expires_at, via)),
    )


@dataclass(frozen=True)
class LinkMaker:
    """What a message renderer holds, built once where the settings are read:
    `LinkMaker(settings.resolved_base_url(), core.signing.signing_key(settings),
    timedelta(hours=settings.link_lifetime_hours))`."""

    base_url: str
    key: bytes
    lifetime: timedelta = DEFAULT_LIFETIME

    def for_person(
        self, incident_id: int, person_id: int, now: datetime, *, via: str = ""
    ) -> tuple[str, str]:
        """(ack_url, resolve_url): Message.ack_url and resolve_url of a page to the person."""
        return links_for(
            self.base_url, self.key, incident_id, person_id, now, lifetime=self.lifetime, via=via
        )

    def for_request(
        self, incident_id: int, person_id: int, now: datetime, *, via: str = ""
    ) -> tuple[str, str]:
        """(accept_url, decline_url) of a responder request to the person."""
        expires_at = now + self.lifetime
        return (
            link_url(
                self.base_url, self.key, Claim("accept", incident_id, person_id, expires_at, via)
            ),
            link_url(
                self.base_url, self.key, Claim("decline", incident_id, person_id, expires_at, via)
            ),
        )

    def incident(self, incident_id: int) -> str:
        """Message.incident_url: the incident's page (channel messages link only to it)."""
        return incident_url(self.base_url, incident_id)


def link_url(base_url: str, key: bytes, claim: Claim) -> str:
    return f"{base_url.rstrip('/')}{link_path(claim.action, token(claim, key))}"


def link_path(action: Action, text: str) -> str:
    return f"/l/{PATH_WORDS[action]}/{text}"


def incident_url(base_url: str, incident_id: int) -> str:
    """The incident's page (a login is needed): what channel messages link to."""
    return f"{base_url.rstrip('/')}/incidents/{incident_id}"


def form_token(text: str, key: bytes) -> str:
    """The value the confirmation page's form posts back: bound to the link, so a form on
    another site cannot post one, and a scanner that only follows links never sends one."""
    return _mac(key, _FORM, text)


def _mac(key: bytes, purpose: bytes, payload: str) -> str:
    digest = hmac.new(key, purpose + payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
