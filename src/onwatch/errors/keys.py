"""DSN keys: issuing one for a service, disabling one, rotating a service's keys (a new key; the old
ones disabled at once or left to be disabled by hand once the SDKs send with the new DSN),
checking one on every intake request, writing the DSN."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Forbidden, NotFound, Unauthorized
from onwatch.directory.queries import get_service
from onwatch.errors import queries
from onwatch.errors.models import ErrorKey

MAX_KEY_REF = 64


@dataclass(frozen=True)
class KeyGrant:
    """What intake needs of a key, checked once per request."""

    key_id: int
    service_id: int
    rate_limit: int | None


def create_key(session: Session, *, service: str, actor: str, now: datetime) -> ErrorKey:
    """A new DSN public key for `service` (its project id is the service's id)."""
    target = get_service(session, service)
    key = ErrorKey(service_id=target.id, public_key=secrets.token_hex(16), created_at=now)
    session.add(key)
    session.flush()
    # The public key is not a secret, but it stays out of the log all the same.
    record(
        session,
        actor=actor,
        action="error_key.create",
        entity_type="error_key",
        entity_key=str(key.id),
        at=now,
        after={"service": service, "project_id": target.id},
    )
    return key


def find_key(session: Session, ref: str) -> ErrorKey:
    """A key by its number or its public key; NotFound naming what was asked for."""
    text = ref.strip()[:MAX_KEY_REF]
    found = session.get(ErrorKey, int(text)) if text.isdigit() and len(text) < 10 else None
    if found is None and text:
        found = session.scalar(select(ErrorKey).where(ErrorKey.public_key == text))
    if found is None:
        raise NotFound(f"no DSN key {text!r} (give its number or its public key)")
    return found


def disable_key(session: Session, ref: str, *, actor: str, now: datetime) -> ErrorKey:
    """Disable the key from now on: intake answers 401 to it. Disabling a disabled key changes
    nothing (its first disabling stands and nothing more is audited)."""
    return _disable(session, find_key(session, ref), actor, now)


def _disable(session: Session, key: ErrorKey, actor: str, now: datetime) -> ErrorKey:
    if key.disabled_at is None:
        key.disabled_at = now
        session.flush()
        _audit(session, key, "error_key.disable", actor, now, {"disabled_at": now.isoformat()})
    return key


def rotate_keys(
    session: Session, *, service: str, disable_old: bool, actor: str, now: datetime
) -> tuple[ErrorKey, list[ErrorKey]]:
    """A new key for the service, and its keys that were enabled before: disabled now when
    `disable_old`, else left working (the grace period: disable each by hand once every SDK
    sends with the new DSN)."""
    target = get_service(session, service)
    old = [k for k, _ in queries.keys_of(session, target.id) if k.disabled_at is None]
    new = create_key(session, service=service, actor=actor, now=now)
    for key in old if disable_old else []:
        _disable(session, key, actor, now)
    _audit(
        session, new, "error_key.rotate", actor, now,
        {"service": service, "replaces": [k.id for k in old], "disabled_old": disable_old},
    )  # fmt: skip
    return new, old


def _audit(
    session: Session, key: ErrorKey, action: str, actor: str, now: datetime, after: dict[str, Any]
) -> None:
    record(
        session, actor=actor, action=action, entity_type="error_key", entity_key=str(key.id),
        at=now, after=after,
    )  # fmt: skip


def grant_for(session: Session, public_key: str, project_id: int) -> KeyGrant:
    """The key's grant for posting to `project_id`: 401 for a key we do not know (or a disabled
    one), 403 for a key of another project."""
    key = queries.key_row(session, public_key)
    if key is None:
        raise Unauthorized("unknown DSN public key")
    if key.disabled_at is not None:
        raise Unauthorized(
            f"this DSN's key was disabled at {key.disabled_at:%Y-%m-%d %H:%M} UTC: send with the "
            "service's current DSN"
        )
    if key.service_id != project_id:
        raise Forbidden("this DSN's key belongs to another project")
    return KeyGrant(key.id, key.service_id, key.rate_limit)


def dsn(base_url: str, public_key: str, project_id: int) -> str:
    """`{proto}://{public_key}@{host}/{project_id}`, with any path of the base URL kept before
    the project id (SDKs post to that path + /api/{project_id}/envelope/)."""
    proto, _, rest = base_url.rstrip("/").partition("://")
    return f"{proto}://{public_key}@{rest}/{project_id}"
