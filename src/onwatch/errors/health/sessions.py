"""Release health from the SDKs' `session` items (one session's update: counted once, its first
terminal status wins, as rates.py decides) and `sessions` items (counts the SDK already
aggregated by minute, added as they come). Read before the transaction, refusing a malformed
item by name; kept in intake's transaction (queries.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.core.errors import Invalid
from onwatch.errors.envelope import Item, json_payload
from onwatch.errors.health import queries as health_queries
from onwatch.errors.health.rates import STATUSES, Counts
from onwatch.errors.keys import KeyGrant

DEFAULT_ENVIRONMENT = "production"  # what Sentry assumes when an SDK names none
MAX_BUCKETS = 1000


@dataclass(frozen=True)
class Attrs:
    release: str
    environment: str


@dataclass(frozen=True)
class SessionUpdate:
    sid: str
    did: str | None
    status: str
    errors: int
    started_at: datetime | None
    attrs: Attrs


@dataclass(frozen=True)
class Bucket:
    started_at: datetime | None
    did: str | None
    counts: Counts  # sessions and how they ended


@dataclass(frozen=True)
class Aggregates:
    attrs: Attrs
    buckets: list[Bucket]


def read_session(item: Item, headers: dict[str, Any], where: str) -> SessionUpdate:
    payload = json_payload(item.payload, where)
    sid = _text(payload, "sid", where, 64, required=True)
    status = payload.get("status", "ok")
    if status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", f"{where}.status")
    assert sid is not None
    return SessionUpdate(
        sid=sid,
        did=_text(payload, "did", where, 200),
        status=status,
        errors=_count(payload, "errors", where),
        started_at=_instant(payload, "started", where),
        attrs=_attrs(payload, where),
    )


def read_aggregates(item: Item, headers: dict[str, Any], where: str) -> Aggregates:
    payload = json_payload(item.payload, where)
    found = payload.get("aggregates")
    if not isinstance(found, list) or len(found) > MAX_BUCKETS:
        raise Invalid(f"aggregates must be a list of at most {MAX_BUCKETS}", f"{where}.aggregates")
    buckets = []
    for index, entry in enumerate(found):
        at = f"{where}.aggregates[{index}]"
        if not isinstance(entry, dict):
            raise Invalid("must be an object", at)
        exited, errored, abnormal, crashed = (
            _count(entry, name, at) for name in ("exited", "errored", "abnormal", "crashed")
        )
        counts = Counts(
            sessions=exited + errored + abnormal + crashed,
            crashed=crashed,
            abnormal=abnormal,
            errored=errored,
        )
        buckets.append(Bucket(_instant(entry, "started", at), _text(entry, "did", at, 200), counts))
    return Aggregates(_attrs(payload, where), buckets)


def keep(
    session: Session, grant: KeyGrant, value: SessionUpdate | Aggregates, now: datetime
) -> None:
    if isinstance(value, SessionUpdate):
        hour_at = _hour(value.started_at, now)
        health_queries.update_session(
            session,
            grant.service_id,
            health_queries.Update(
                value.sid,
                value.attrs.release,
                value.attrs.environment,
                value.did,
                value.status,
                value.errors,
            ),
            hour_at,
            now,
        )
        return
    for bucket in value.buckets:
        health_queries.add_counts(
            session,
            grant.service_id,
            (value.attrs.release, value.attrs.environment),
            _hour(bucket.started_at, now),
            bucket.counts,
            bucket.did,
        )


def _hour(started_at: datetime | None, now: datetime) -> datetime:
    # An SDK's clock may run ahead: a session never starts after it reached us.
    at = now if started_at is None or started_at > now else started_at
    return at.replace(minute=0, second=0, microsecond=0)


def _attrs(payload: dict[str, Any], where: str) -> Attrs:
    attrs = payload.get("attrs")
    if not isinstance(attrs, dict):
        raise Invalid("attrs with a release is required", f"{where}.attrs")
    release = _text(attrs, "release", f"{where}.attrs", 200, required=True)
    environment = _text(attrs, "environment", f"{where}.attrs", 64)
    assert release is not None
    return Attrs(release, environment or DEFAULT_ENVIRONMENT)


def _text(
    payload: dict[str, Any], name: str, where: str, limit: int, *, required: bool = False
) -> str | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Invalid(f"{name} must be text of 1 to {limit} characters", f"{where}.{name}")
    return value.strip()


def _count(payload: dict[str, Any], name: str, where: str) -> int:
    value = payload.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise Invalid(f"{name} must be a whole number, 0 or more", f"{where}.{name}")
    return value


def _instant(payload: dict[str, Any], name: str, where: str) -> datetime | None:
    value = payload.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise Invalid(f"{name} must be an RFC 3339 timestamp", f"{where}.{name}")
