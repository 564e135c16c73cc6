"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy() -> str:
    """Verified against when the user does not exist, so a wrong username costs the same time.
    Hashed on first use, not on import: a hash takes a noticeable share of a second, which
    every CLI command would otherwise pay before doing anything."""
    return _hasher().hash("onwatch-dummy-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; argon2's full cost even when there is no hash.
    CPU-bound for tens of milliseconds: call it with no transaction open."""
    try:
        return _hasher().verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
