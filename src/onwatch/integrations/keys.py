"""Integration keys: issuing them, checking one on every intake request, and noting when each
integration last sent something."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from onwatch.core.naming import SLUG_PATTERN
from onwatch.core.tokens import hash_secret, new_secret
from onwatch.directory.models import Service
from onwatch.directory.queries import get_service
from onwatch.integrations.models import KINDS, Integration

T = TypeVar("T")
# How stale an integration's last_event_at may get: intake writes it at most this often per
# integration, so a busy key costs one UPDATE a minute, not one per request.
SEEN_EVERY = timedelta(minutes=1)


def new_key(kind: str) -> str:
    """A new secret for an integration of wire format `kind`.

    PagerDuty's integration (routing) keys are 32 characters, letters and digits, and some
    tools check that length before they send: ours for that format are 32 lowercase hex digits
    (128 random bits, as PagerDuty's are). Other formats keep the longer `owi_` keys, which
    say what they are when one turns up in a log. Either way only the SHA-256 is stored, and a
    key issued before this rule (an `owi_` PagerDuty key) keeps working."""
    if kind == "pagerduty":
        return secrets.token_hex(16)
    return new_secret("owi")


@dataclass(frozen=True)
class IssuedKey:
    integration: Integration
    key: str


def create_integration(
    session: Session, *, name: str, service: str, kind: str, actor: str, now: datetime
) -> IssuedKey:
    # The config file's rules for a name, so that `onwatch export` writes it back out as is.
    if not re.fullmatch(SLUG_PATTERN, name):
        raise Invalid(
            "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, "
            f"at most 64 (got {name!r})",
            "name",
        )
    if kind not in KINDS:
        raise Invalid(f"must be one of {', '.join(KINDS)} (got {kind!r})", "kind")
    target = get_service(session, service)
    if session.scalar(select(Integration.id).where(Integration.name == name)):
        raise Conflict(f"name: an integration named {name!r} already exists")
    key = new_key(kind)
    integration = Integration(
        name=name, service_id=target.id, kind=kind, key_hash=hash_secret(key), created_at=now
    )
    session.add(integration)
    session.flush()
    record(
        session,
        actor=actor,
        action="integration.create",
        entity_type="integration",
        entity_key=name,
        at=now,
        after={"name": name, "service": service, "kind": kind},
    )
    return IssuedKey(integration, key)


def rotate_key(session: Session, *, name: str, actor: str, now: datetime) -> IssuedKey:
    integration = session.scalar(select(Integration).where(Integration.name == name))
    if integration is None:
        raise NotFound(f"no integration {name!r}")
    key = new_key(integration.kind)
    integration.key_hash = hash_secret(key)
    record(
        session,
        actor=actor,
        action="integration.rotate",
        entity_type="integration",
        entity_key=name,
        at=now,
    )
    return IssuedKey(integration, key)


def list_integrations(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.name)))


def authenticate_key(session: Session, key: str, kind: str) -> Integration:
    """The integration this key belongs to, if it is enabled and of this wire format.

    An unknown key is 401 and a key of another format 403; neither message says which
    service or format the key belongs to."""
    integration = session.scalar(
        select(Integration).where(Integration.key_hash == hash_secret(key))
    )
    return _usable(integration, kind)


@dataclass(frozen=True)
class Grant:
    """What intake needs of an authenticated key, read in one light query on every request."""

    integration_id: int
    service_id: int
    service: str
    routes: dict[str, Any]
    rate_limit: int | None
    last_event_at: datetime | None = None


def grant_for(session: Session, key: str, kind: str) -> Grant:
    """authenticate_key for the intake hot path: the same answers, without loading the row."""
    row = session.execute(_grant_query(), {"key_hash": hash_secret(key)}).first()
    row = _usable(row, kind)
    return Grant(row.id, row.service_id, row.name, row.routes, row.rate_limit, row.last_event_at)


def note_events(
    session: Session, seen: Iterable[tuple[int, datetime | None]], now: datetime
) -> None:
    """Integrations (id, last_event_at as read) that sent events `now`: last_event_at is
    written when it is unset or SEEN_EVERY old. One UPDATE per integration, in id order, so
    that transactions noting the same integrations take their row locks in one order."""
    table = Integration.__table__.c
    stale = sorted({i for i, at in seen if at is None or now - at >= SEEN_EVERY})
    for integration_id in stale:
        session.execute(
            update(Integration.__table__)
            .where(
                table.id == integration_id,
                or_(table.last_event_at.is_(None), table.last_event_at <= now - SEEN_EVERY),
            )
            .values(last_event_at=now)
        )


def _usable(found: T | None, kind: str) -> T:
    """`found` (a row with kind and disabled_at) if its key may be used for `kind`."""
    if found is None or found.disabled_at is not None:  # type: ignore[attr-defined]
        raise Unauthorized("unknown integration key")
    if found.kind != kind:  # type: ignore[attr-defined]
        raise Forbidden("this key may not be used at this endpoint")
    return found


@cache
def _grant_query() -> Select[Any]:
    integration, service = Integration.__table__.c, Service.__table__.c
    return (
        select(
            integration.id,
            integration.service_id,
            service.name,
            integration.kind,
            integration.routes,
            integration.rate_limit,
            integration.disabled_at,
            integration.last_event_at,
        )
        .join_from(Integration.__table__, Service.__table__, service.id == integration.service_id)
        .where(integration.key_hash == bindparam("key_hash"))
    )
