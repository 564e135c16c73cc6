"""Use cases for accounts, tokens and web sessions. They write in the caller's transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.auth.models import ApiToken, LoginThrottle, User, WebSession
from onwatch.auth.passwords import MIN_LENGTH, hash_password, verify_password
from onwatch.auth.roles import Principal, Role
from onwatch.auth.throttle import ACCOUNT
from onwatch.core.errors import Conflict, FieldError, Invalid, NotFound, Unauthorized
from onwatch.core.tokens import hash_secret, new_secret

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _role(value: str, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Invalid(f"must be one of viewer, responder, admin (got {value!r})", field) from None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    actor: str,
    now: datetime,
    person_handle: str | None = None,
) -> User:
    errors = []
    if not NAME.match(username):
        errors.append(("username", "use 1-64 lowercase letters, digits, '.', '_' or '-'"))
    if len(password) < MIN_LENGTH:
        errors.append(("password", f"must be at least {MIN_LENGTH} characters"))
    if errors:
        raise Invalid([FieldError(f, m) for f, m in errors])
    checked = _role(role)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"username: a user {username!r} already exists")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=checked.value,
        person_handle=person_handle,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_key=username,
        at=now,
        after={"username": username, "role": checked.value, "person_handle": person_handle},
    )
    return user


def has_any_user(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        raise Unauthorized("wrong username or password")
    return user


@dataclass(frozen=True)
class NewSession:
    cookie: str
    user: User


def start_session(session: Session, user: User, now: datetime, lifetime: timedelta) -> NewSession:
    cookie = new_secret("ows")
    session.add(
        WebSession(
            token_hash=hash_secret(cookie),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    record(
        session,
        actor=f"user:{user.username}",
        action="session.login",
        entity_type="user",
        entity_key=user.username,
        at=now,
    )
    return NewSession(cookie=cookie, user=user)


def principal_for_session(session: Session, cookie: str, now: datetime) -> Principal:
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == hash_secret(cookie))
    ).first()
    if row is None or row.WebSession.expires_at <= now or row.User.disabled:
        raise Unauthorized()
    user = row.User
    return Principal(
        actor=f"user:{user.username}",
        role=Role(user.role),
        user_id=user.id,
        person_handle=user.person_handle,
    )


def end_session(session: Session, cookie: str, now: datetime) -> None:
    web = session.scalar(select(WebSession).where(WebSession.token_hash == hash_secret(cookie)))
    if web is None:
        return
    user = session.get(User, web.user_id)
    session.delete(web)
    if user is not None:
        record(
            session,
            actor=f"user:{user.username}",
            action="session.logout",
            entity_type="user",
            entity_key=user.username,
            at=now,
        )


def purge_expired_sessions(session: Session, now: datetime) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return result.rowcount or 0


@dataclass(frozen=True)
class NewToken:
    secret: str
    token: ApiToken


def create_token(session: Session, *, name: str, role: str, actor: str, now: datetime) -> NewToken:
    if not name or len(name) > 100:
        raise Invalid("must be 1-100 characters", "name")
    checked = _role(role)
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise Conflict(f"name: a token named {name!r} already exists")
    secret = new_secret("owt")
    token = ApiToken(
        name=name,
        token_hash=hash_secret(secret),
        role=checked.value,
        created_by=actor,
        created_at=now,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=actor,
        action="token.create",
        entity_type="api_token",
        entity_key=name,
        at=now,
        after={"name": name, "role": checked.value},
    )
    return NewToken(secret=secret, token=token)


def revoke_token(session: Session, *, name: str, actor: str, now: datetime) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = now
        record(
            session,
            actor=actor,
            action="token.revoke",
            entity_type="api_token",
            entity_key=name,
            at=now,
            before={"revoked": False},
            after={"revoked": True},
        )
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


class UnknownToken(Unauthorized):
    """A bearer token that was never issued: a guess (web.security counts it, auth.logins)."""


def principal_for_token(session: Session, secret: str) -> Principal:
    """The token's holder; UnknownToken when no token has this secret, Unauthorized when it
    was revoked."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None:
        raise UnknownToken()
    if token.revoked_at is not None:
        raise Unauthorized()
    return Principal(actor=f"token:{token.name}", role=Role(token.role))


def set_password(
    session: Session, *, username: str, password: str, actor: str, now: datetime
) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(f"must be at least {MIN_LENGTH} characters", "password")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.password_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    # A new password also lifts a wait that wrong guesses at the old one had put on the account.
    forget_failures(session, username)
    record(
        session,
        actor=actor,
        action="user.password",
        entity_type="user",
        entity_key=username,
        at=now,
    )


def forget_failures(session: Session, username: str) -> None:
    """Clear an account's failed logins (auth.logins counts them)."""
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.scope == ACCOUNT, LoginThrottle.key == username)
    )
