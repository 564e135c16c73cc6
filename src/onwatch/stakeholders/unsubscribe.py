"""One-click unsubscribe tokens (RFC 8058): `<address, base64url>.<HMAC-SHA256, 128 bits>`,
signed with core/signing.py's key. The token is the credential of the POST that unsubscribes
the address from every stakeholder list (mail clients post without a session), so it names
nothing but the address, and it does not expire: a months-old e-mail's link still works."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from onwatch.core.errors import Invalid

_PURPOSE = b"onwatch unsubscribe v1\n"
MAX_TOKEN_CHARS = 600
PATH = "/unsubscribe/"


def token(address: str, key: bytes) -> str:
    encoded = base64.urlsafe_b64encode(address.lower().encode()).rstrip(b"=").decode()
    return f"{encoded}.{_mac(key, encoded)}"


def read(text: str, key: bytes) -> str:
    """The address a token unsubscribes; Invalid (field `token`) for anything onwatch did not
    sign with this key."""
    if len(text) > MAX_TOKEN_CHARS or not text.isascii():
        raise Invalid("this is not an unsubscribe link onwatch made", "token")
    encoded, _, signature = text.rpartition(".")
    if not encoded or not hmac.compare_digest(signature, _mac(key, encoded)):
        raise Invalid(
            "this unsubscribe link is not valid: it was changed, or signed with a key onwatch "
            "no longer has",
            "token",
        )
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Invalid("this is not an unsubscribe link onwatch made", "token") from None


def url(base_url: str, address: str, key: bytes) -> str:
    return f"{base_url.rstrip('/')}{PATH}{token(address, key)}"


def headers(base_url: str, address: str, key: bytes) -> dict[str, str]:
    """The e-mail headers of RFC 8058's one-click unsubscribe for a message to `address`."""
    return {
        "List-Unsubscribe": f"<{url(base_url, address, key)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, _PURPOSE + payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
