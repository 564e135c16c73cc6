"""DSN keys: issuing one for a service, checking one on every intake request, writing the DSN."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Forbidden, Unauthorized
from onwatch.directory.queries import get_service
from onwatch.errors import queries
from onwatch.errors.models import ErrorKey


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


def grant_for(session: Session, public_key: str, project_id: int) -> KeyGrant:
    """The key's grant for posting to `project_id`: 401 for a key we do not know (or a disabled
    one), 403 for a key of another project."""
    key = queries.key_row(session, public_key)
    if key is None or key.disabled_at is not None:
        raise Unauthorized("unknown DSN public key")
    if key.service_id != project_id:
        raise Forbidden("this DSN's key belongs to another project")
    return KeyGrant(key.id, key.service_id, key.rate_limit)


def dsn(base_url: str, public_key: str, project_id: int) -> str:
    """`{proto}://{public_key}@{host}/{project_id}`, with any path of the base URL kept before
    the project id (SDKs post to that path + /api/{project_id}/envelope/)."""
    proto, _, rest = base_url.rstrip("/").partition("://")
    return f"{proto}://{public_key}@{rest}/{project_id}"
