"""Logging in without holding up writers, and slowing down whoever guesses. A login is three
steps, each given its own session by the caller: `begin_login` (a read: refuses a throttled
account or address, loads the account), `is_right_password` (argon2, with no transaction open:
on SQLite a write transaction would hold up intake for the whole hash), then `finish_login` or
`fail_login` (a short write). Unknown API tokens count against their address the same way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.auth.actions import (
    NAME,
    NewSession,
    forget_failures,
    principal_for_token,
    start_session,
)
from onwatch.auth.models import LoginThrottle, User
from onwatch.auth.passwords import verify_password
from onwatch.auth.roles import Principal
from onwatch.auth.throttle import (
    ACCOUNT,
    ADDRESS,
    LIMITS,
    delay_after,
    is_newly_throttled,
    retry_after_seconds,
)
from onwatch.core.errors import RateLimited, Unauthorized

Key = tuple[str, str]  # (scope, key)


class Throttled(RateLimited):
    """Refused before any password or token is checked: this account or address must wait."""

    def __init__(self, message: str, until: datetime, now: datetime) -> None:
        super().__init__(message, retry_after_seconds(until, now))
        self.until = until


@dataclass(frozen=True)
class Attempt:
    """A login attempt as read before its password is checked."""

    username: str
    address: str
    user_id: int | None
    password_hash: str | None
    disabled: bool


def begin_login(session: Session, username: str, address: str, now: datetime) -> Attempt:
    """The account named `username` (if any) for a login from `address`, or Throttled when the
    account or the address must wait. Reads only."""
    _refuse_if_waiting(session, _login_keys(username, address), now, "failed logins")
    row = session.execute(
        select(User.id, User.password_hash, User.disabled).where(User.username == username)
    ).first()
    if row is None:
        return Attempt(username, address, None, None, False)
    return Attempt(username, address, row.id, row.password_hash, row.disabled)


def is_right_password(attempt: Attempt, password: str) -> bool:
    """argon2's verdict (at full cost even for an unknown username). Needs no session: call it
    between begin_login's read and the write that records the outcome."""
    right = verify_password(attempt.password_hash, password)
    return right and attempt.user_id is not None and not attempt.disabled


def finish_login(
    session: Session, attempt: Attempt, now: datetime, lifetime: timedelta
) -> NewSession:
    """A web session for an attempt whose password was right; the account's failures are
    forgotten. Unauthorized if the account changed while its password was checked."""
    user = session.get(User, attempt.user_id) if attempt.user_id is not None else None
    if user is None or user.disabled or user.password_hash != attempt.password_hash:
        raise Unauthorized("wrong username or password")
    forget_failures(session, attempt.username)
    return start_session(session, user, now, lifetime)


def fail_login(session: Session, attempt: Attempt, now: datetime) -> None:
    """Count a wrong password against the account and the address."""
    for scope, key in _login_keys(attempt.username, attempt.address):
        _count_failure(session, scope, key, now, address=attempt.address, cause="login")


def principal_for_bearer(session: Session, secret: str, address: str, now: datetime) -> Principal:
    """The holder of an API token sent from `address`; Throttled, without looking the token
    up, when the address must wait. An UnknownToken (see principal_for_token) is a guess: the
    caller counts it with fail_token, in a transaction."""
    _refuse_if_waiting(session, [(ADDRESS, address)], now, "failed logins and unknown API tokens")
    return principal_for_token(session, secret)


def fail_token(session: Session, address: str, now: datetime) -> None:
    _count_failure(session, ADDRESS, address, now, address=address, cause="api token")


def purge_forgotten(session: Session, now: datetime) -> int:
    """Delete counts too old to matter (an engine housekeeping step)."""
    deleted = 0
    for scope, limits in LIMITS.items():
        result = session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.scope == scope,
                LoginThrottle.last_failed_at <= now - limits.forget_after,
            )
        )
        deleted += result.rowcount or 0
    return deleted


def _login_keys(username: str, address: str) -> list[Key]:
    # A name that no account can have is counted against the address only; any name an account
    # could have is counted whether or not it exists, so throttling reveals no usernames.
    keys = [(ACCOUNT, username)] if NAME.match(username) else []
    return [*keys, (ADDRESS, address)]


def _refuse_if_waiting(session: Session, keys: Iterable[Key], now: datetime, what: str) -> None:
    until = session.scalar(
        select(LoginThrottle.blocked_until)
        .where(
            or_(*(and_(LoginThrottle.scope == s, LoginThrottle.key == k) for s, k in keys)),
            LoginThrottle.blocked_until > now,
        )
        .order_by(LoginThrottle.blocked_until.desc())
        .limit(1)
    )
    if until is not None:
        wait = retry_after_seconds(until, now)
        raise Throttled(f"too many {what}; try again in {wait} s", until, now)


def _count_failure(
    session: Session, scope: str, key: str, now: datetime, *, address: str, cause: str
) -> None:
    """One more failure in a row for (scope, key), atomically (logins in other processes may
    fail at the same moment); a streak older than forget_after starts again at one."""
    limits = LIMITS[scope]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LoginThrottle).values(
        scope=scope, key=key, failures=1, last_failed_at=now, blocked_until=None
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={
            "failures": case(
                (LoginThrottle.last_failed_at <= now - limits.forget_after, 1),
                else_=LoginThrottle.failures + 1,
            ),
            "last_failed_at": now,
        },
    ).returning(LoginThrottle.failures)
    failures = session.execute(stmt).scalar_one()
    delay = delay_after(failures, limits)
    if not delay:
        return
    until = now + delay
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.scope == scope, LoginThrottle.key == key)
        .values(blocked_until=until)
    )
    if is_newly_throttled(failures, limits):
        # Once per streak, not per attempt, so a guesser cannot flood the audit log.
        record(
            session,
            actor=f"address:{address}",
            action="login.throttle",
            entity_type="login_throttle",
            entity_key=f"{scope}:{key}",
            at=now,
            after={"failures": failures, "cause": cause, "blocked_until": until.isoformat()},
        )
