"""Heartbeat monitors: a job pings `/heartbeats/<key>/ping` every interval; once a ping is later
than interval + grace the engine opens an alert `heartbeat:<name>`, and the next ping resolves it.
A heartbeat is watched from its first ping on, so a new one does not page before it is wired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent, Severity
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.models import Heartbeat
from onwatch.alerts.sli import Duration
from onwatch.alerts.windows import duration_text
from onwatch.audit.actions import record, record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import Conflict, Invalid, NotFound, Unauthorized
from onwatch.core.naming import Slug
from onwatch.core.tokens import hash_secret, new_secret
from onwatch.directory.models import Service
from onwatch.directory.queries import service_by_name

ACTOR = "engine:heartbeats"
BATCH = 200
Written = Annotated[Duration, PlainSerializer(duration_text, return_type=str, when_used="json")]
# The columns count seconds in PostgreSQL's integer, which holds 24,855 days and a few hours.
MAX_DURATION = timedelta(days=24855)


class HeartbeatSpec(BaseModel):
    """A heartbeat as the config file (`heartbeats:`), the API and the CLI declare it."""

    model_config = ConfigDict(extra="forbid")

    name: Slug = Field(description="Unique name; the alert's dedup key is `heartbeat:<name>`.")
    service: Slug = Field(description="The service whose alert it opens.")
    interval: Written = Field(description="How often the job pings: 5m, 1h, 1d.")
    grace: Written = Field(
        timedelta(minutes=5), description="How late a ping may be before the alert opens."
    )
    severity: Severity = Field("critical", description="Severity of the alert it opens.")

    @field_validator("interval", "grace")
    @classmethod
    def _storable(cls, duration: timedelta) -> timedelta:
        if duration > MAX_DURATION:
            raise ValueError(f"must be at most {duration_text(MAX_DURATION)}")
        return duration

    @model_validator(mode="after")
    def _sensible_timing(self) -> Self:
        if self.interval < timedelta(seconds=10):
            raise ValueError("interval must be at least 10s")
        if self.grace < timedelta(0):
            raise ValueError("grace must not be negative")
        return self


@dataclass(frozen=True)
class Issued:
    heartbeat: Heartbeat
    service: str
    key: str


def late_at(last_ping_at: datetime, interval: timedelta, grace: timedelta) -> datetime:
    """When the ping after one at `last_ping_at` counts as missed."""
    return last_ping_at + interval + grace


def is_missed(due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and due_at <= now


def ping_path(key: str) -> str:
    return f"/heartbeats/{key}/ping"


def put_heartbeat(
    session: Session, spec: HeartbeatSpec, *, actor: str, now: datetime
) -> Change | None:
    """Create or change a heartbeat (config apply, API). Changing its timing moves the
    deadline of the next ping; moving it to another service resolves its alert there."""
    service = service_by_name(session, spec.service)
    if service is None:
        raise Invalid(f"no service {spec.service!r}", "service")
    row = session.scalar(select(Heartbeat).where(Heartbeat.name == spec.name))
    before = (
        spec_of(row, _service_name(session, row.service_id)).model_dump(mode="json")
        if row
        else None
    )
    change = diff("heartbeat", spec.name, before, spec.model_dump(mode="json"))
    if change is None:
        return None
    if row is None:
        row = Heartbeat(name=spec.name, state="new", created_at=now)
        session.add(row)
    elif row.service_id != service.id and row.state == "down":
        _resolve(session, row, "moved to another service", now)
        row.state = "up"
    row.service_id = service.id
    row.interval_seconds = int(spec.interval.total_seconds())
    row.grace_seconds = int(spec.grace.total_seconds())
    row.severity = spec.severity
    if row.last_ping_at is not None:
        row.due_at = late_at(row.last_ping_at, spec.interval, spec.grace)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def create_heartbeat(session: Session, spec: HeartbeatSpec, *, actor: str, now: datetime) -> Issued:
    """A new heartbeat with its ping key (shown once; only its hash is kept)."""
    if session.scalar(select(Heartbeat.id).where(Heartbeat.name == spec.name)):
        raise Conflict(f"name: a heartbeat {spec.name!r} already exists")
    put_heartbeat(session, spec, actor=actor, now=now)
    return issue_key(session, spec.name, actor=actor, now=now)


def issue_key(session: Session, name: str, *, actor: str, now: datetime) -> Issued:
    """A new ping key for the heartbeat; the old one stops working."""
    row = get_heartbeat(session, name)
    key = new_secret("owh")
    row.key_hash = hash_secret(key)
    record(
        session,
        actor=actor,
        action="heartbeat.key",
        entity_type="heartbeat",
        entity_key=name,
        at=now,
    )
    return Issued(row, _service_name(session, row.service_id), key)


def delete_heartbeat(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    row = get_heartbeat(session, name)
    change = deleted(
        "heartbeat",
        name,
        spec_of(row, _service_name(session, row.service_id)).model_dump(mode="json"),
    )
    if row.state == "down":
        _resolve(session, row, "removed", now)
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def ping(session: Session, key: str, now: datetime) -> Heartbeat:
    """Record a ping: the heartbeat is up and due again after interval + grace; if its alert
    was open, it resolves. Unauthorized for a key no heartbeat has."""
    row = _locked(session, select(Heartbeat).where(Heartbeat.key_hash == hash_secret(key)))
    if row is None:
        raise Unauthorized("unknown heartbeat key")
    return beat(session, row, now)


def locked(session: Session, name: str) -> Heartbeat | None:
    """The heartbeat named `name`, locked for a beat (PostgreSQL), or None."""
    return _locked(session, select(Heartbeat).where(Heartbeat.name == name))


def beat(session: Session, row: Heartbeat, now: datetime) -> Heartbeat:
    """A ping of `row` (locked): up, and due again after interval + grace; an open alert of
    it resolves."""
    if row.state == "down":
        _resolve(session, row, "pinged again", now)
    row.state, row.last_ping_at = "up", now
    row.due_at = late_at(now, timedelta(seconds=row.interval_seconds), _grace(row))
    return row


def fail(session: Session, row: Heartbeat, why: str, now: datetime) -> None:
    """The job `row` watches reported a failure (a Sentry check-in with status error): its
    alert opens at once, or takes the report if open, and the next good ping resolves it."""
    row.state, row.last_ping_at, row.due_at = "down", now, None
    _trigger(session, row, _service_name(session, row.service_id), f"{row.name} {why}", now)


def _locked(session: Session, stmt: Any) -> Heartbeat | None:
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # a ping and the engine's "missed" must not interleave
    return session.scalar(stmt)


def check_heartbeats(session: Session, now: datetime, batch: int = BATCH) -> int:
    """Engine step: open an alert for every watched heartbeat whose ping is late."""
    stmt = (
        select(Heartbeat, Service.name)
        .join(Service, Service.id == Heartbeat.service_id)
        .where(Heartbeat.state == "up", Heartbeat.due_at <= now)
        .order_by(Heartbeat.due_at)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Heartbeat, skip_locked=True)
    missed = 0
    for row, service_name in session.execute(stmt).all():
        if not is_missed(row.due_at, now):
            continue
        row.state = "down"
        interval = duration_text(timedelta(seconds=row.interval_seconds))
        last = f"{row.last_ping_at:%Y-%m-%d %H:%M:%S} UTC" if row.last_ping_at else "never"
        summary = (
            f"{row.name} missed: no ping since {last} (expected every {interval}, grace "
            f"{duration_text(_grace(row))})"
        )
        _trigger(session, row, service_name, summary, now)
        missed += 1
    return missed


def _trigger(
    session: Session, row: Heartbeat, service_name: str, summary: str, now: datetime
) -> None:
    event = AlertEvent(
        action="trigger",
        dedup_key=dedup_key(row.name),
        summary=f"Heartbeat {summary}",
        severity=row.severity,  # type: ignore[arg-type]
        source="onwatch heartbeat",
        occurred_at=now,
        labels={"alertname": "heartbeat", "heartbeat": row.name, "service": service_name},
        details={"last_ping_at": row.last_ping_at.isoformat() if row.last_ping_at else None},
    )
    ingest(
        session,
        [Routed(row.service_id, service_name, event)],
        integration_id=None,
        now=now,
        actor=ACTOR,
    )


def dedup_key(name: str) -> str:
    return f"heartbeat:{name}"


def get_heartbeat(session: Session, name: str) -> Heartbeat:
    row = session.scalar(select(Heartbeat).where(Heartbeat.name == name))
    if row is None:
        raise NotFound(f"no heartbeat {name!r}")
    return row


def named(session: Session, name: str) -> tuple[Heartbeat, str]:
    """The heartbeat and the name of its service."""
    row = get_heartbeat(session, name)
    return row, _service_name(session, row.service_id)


def list_heartbeats(session: Session) -> list[tuple[Heartbeat, str]]:
    return list(
        session.execute(
            select(Heartbeat, Service.name)
            .join(Service, Service.id == Heartbeat.service_id)
            .order_by(Heartbeat.name)
        )
    )


def heartbeat_specs(session: Session) -> list[HeartbeatSpec]:
    return [spec_of(row, service) for row, service in list_heartbeats(session)]


def spec_of(row: Heartbeat, service: str) -> HeartbeatSpec:
    return HeartbeatSpec(
        name=row.name,
        service=service,
        interval=timedelta(seconds=row.interval_seconds),
        grace=_grace(row),
        severity=row.severity,  # type: ignore[arg-type]
    )


def _grace(row: Heartbeat) -> timedelta:
    return timedelta(seconds=row.grace_seconds)


def _service_name(session: Session, service_id: int) -> str:
    return session.scalar(select(Service.name).where(Service.id == service_id)) or ""


def _resolve(session: Session, row: Heartbeat, why: str, now: datetime) -> None:
    event = AlertEvent(
        action="resolve",
        dedup_key=dedup_key(row.name),
        summary=f"Heartbeat {row.name} {why}",
        occurred_at=now,
    )
    service = _service_name(session, row.service_id)
    ingest(
        session, [Routed(row.service_id, service, event)], integration_id=None, now=now, actor=ACTOR
    )
