"""Secrets we hand out (API tokens, integration keys, session cookies) and how we store them.

They carry 256 bits of randomness (PagerDuty-format integration keys 128, integrations.keys),
so a single SHA-256 is the right hash: a slow password hash (argon2, used for passwords) would
cost milliseconds on every intake request for no gain.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def derive(secret: str, purpose: str) -> str:
    """A value bound to `secret` for one purpose (the CSRF token of a web session)."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
