"""Integration keys: issuing them, and checking one on every intake request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from onwatch.core.tokens import hash_secret, new_secret
from onwatch.directory.queries import get_service
from onwatch.integrations.models import KINDS, Integration


@dataclass(frozen=True)
class IssuedKey:
    integration: Integration
    key: str


def create_integration(
    session: Session, *, name: str, service: str, kind: str, actor: str, now: datetime
) -> IssuedKey:
    if kind not in KINDS:
        raise Invalid(f"must be one of {', '.join(KINDS)} (got {kind!r})", "kind")
    target = get_service(session, service)
    if session.scalar(select(Integration.id).where(Integration.name == name)):
        raise Conflict(f"name: an integration named {name!r} already exists")
    # PagerDuty routing keys are 32 characters; ours are longer but monitors accept any string.
    key = new_secret("owi")
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
    key = new_secret("owi")
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
    if integration is None or integration.disabled_at is not None:
        raise Unauthorized("unknown integration key")
    if integration.kind != kind:
        raise Forbidden("this key may not be used at this endpoint")
    return integration
