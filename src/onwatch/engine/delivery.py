"""The engine's delivery step: outbox rows out to their receivers, with no transaction open while
a sender talks to the network. Three stages, as Alertmanager's notify pipeline:

1. claim (one short transaction): due `pending` rows, and `sending` rows whose lease expired
   (the engine that held them died), are set `sending` with a lease deadline and a fresh lease
   token. On PostgreSQL FOR UPDATE SKIP LOCKED lets several engines claim side by side. A page
   or channel message whose incident is no longer triggered is cancelled instead; a row over
   its destination's rate limit waits (`rate_limited_until`). What the message needs of the
   incident, service and person is read here.
2. send (no transaction): the Message is built (notifications/render) and handed to
   channels/registry.send, several rows in parallel threads.
3. record (one short transaction): each outcome, guarded by the lease token, so an engine
   whose lease expired cannot overwrite what another engine did with the row since. Sent,
   retried (notifications/retries: backoff with jitter, Retry-After honoured) or dead; a
   timeline entry on the incident for each; and, for kinds whose domain keeps what the
   receiver answered (an opened issue's number), that domain's `settled` in the same
   transaction."""

from __future__ import annotations

import logging
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from onwatch.channels import registry
from onwatch.channels.base import GiveUp, Outcome, Retry, Sender, Sent
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Person, Runbook, Service
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.incidents.timeline import note
from onwatch.notifications import limits
from onwatch.notifications.links import LinkMaker
from onwatch.notifications.messages import Link
from onwatch.notifications.models import Channel, Notification
from onwatch.notifications.render import IncidentFacts, RowFacts, message
from onwatch.notifications.retries import Decision, RetryPolicy, decide, free_at

log = logging.getLogger("onwatch.delivery")
# Kinds that are about an incident needing someone: not sent once it is acknowledged or over.
INCIDENT_PAGES = ("page", "channel")
ACTOR = "system:delivery"
# (session, the row's payload, "sent" or "dead", the receiver's answer, the error, now).
Settled = Callable[[Session, Mapping[str, Any], str, Mapping[str, Any], str | None, datetime], None]


@dataclass(frozen=True)
class Claimed:
    facts: RowFacts
    token: str
    due_at: datetime
    first_due_at: datetime
    attempts: int  # including this one
    incident_id: int | None


@dataclass
class Delivery:
    """The step. `tick(now)` claims, sends and records one batch; how many rows it settled."""

    db: Database
    senders: Mapping[str, Sender]
    links: LinkMaker
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(seconds=120)
    batch: int = 16
    threads: int = 8
    random: Callable[[], float] = random.random
    environ: Mapping[str, str] | None = None
    settled: Mapping[str, Settled] = field(default_factory=dict)  # by outbox kind
    _pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_settings(
        cls,
        db: Database,
        settings: Settings,
        senders: Mapping[str, Sender],
        links: LinkMaker,
        settled: Mapping[str, Settled] | None = None,
    ) -> Delivery:
        return cls(
            db,
            senders,
            links,
            RetryPolicy(
                max_attempts=settings.delivery_max_attempts,
                base=timedelta(seconds=settings.delivery_retry_base_seconds),
                cap=timedelta(seconds=settings.delivery_retry_max_seconds),
            ),
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            batch=settings.delivery_batch,
            threads=settings.delivery_threads,
            settled=dict(settled or {}),
        )

    def __call__(self, now: datetime) -> int:
        with self.db.transaction() as session:
            claimed = claim(
                session, now, self.batch, self.lease, max_attempts=self.policy.max_attempts
            )
        if not claimed:
            return 0
        outcomes = self._send_all(claimed, now)
        with self.db.transaction() as session:
            tally = record(session, list(zip(claimed, outcomes, strict=True)), now, self)
        # After the commit: a line that says "sent" means it is stored as sent.
        log.info(
            "delivery: %d sent, %d to retry, %d dead", tally.sent, tally.retrying, tally.dead
        )
        return tally.done

    def decide(self, claimed: Claimed, outcome: Outcome, now: datetime) -> Decision:
        return decide(
            self.policy,
            outcome="sent" if isinstance(outcome, Sent)
            else "give_up" if isinstance(outcome, GiveUp) else "retry",
            attempts=claimed.attempts,
            why="" if isinstance(outcome, Sent) else outcome.why,
            retry_after=outcome.after if isinstance(outcome, Retry) else None,
            now=now,
            random=self.random,
        )  # fmt: skip

    def _send_all(self, claimed: list[Claimed], now: datetime) -> list[Outcome]:
        if len(claimed) == 1 or self.threads == 1:
            return [self._send(c, now) for c in claimed]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="onwatch-send")
        return list(self._pool.map(lambda c: self._send(c, now), claimed))

    def _send(self, claimed: Claimed, now: datetime) -> Outcome:
        try:
            built = message(claimed.facts, self.links, now)
        except Exception as error:  # a bad row costs that row, not the batch
            log.exception("cannot build the message of outbox row %s", claimed.facts.id)
            return GiveUp(f"cannot build the message: {type(error).__name__}: {error}")
        return registry.send(self.senders, built, claimed.facts.destination, self.environ)

    def next_due(self, session: Session) -> datetime | None:
        return next_due(session)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)


def _claimable(now: datetime) -> Any:
    return or_(
        and_(Notification.state == "pending", Notification.due_at <= now),
        and_(Notification.state == "sending", Notification.lease_until <= now),
    )


def claim(
    session: Session,
    now: datetime,
    batch: int,
    lease: timedelta,
    *,
    max_attempts: int | None = None,
) -> list[Claimed]:
    """Take up to `batch` due rows for this engine (see the module's docstring). A row whose
    lease expired on its last allowed try is a dead letter instead: a message that kills the
    engine sending it must not kill every engine, forever."""
    stmt = (
        select(Notification).where(_claimable(now)).order_by(Notification.due_at).limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    if not rows:
        return []
    incidents = _incidents(session, {r.incident_id for r in rows if r.incident_id is not None})
    people = _people(session, {r.person_id for r in rows if r.person_id is not None})
    channels = _channels(session, {r.channel_id for r in rows if r.channel_id is not None})
    by_kind = limits.limits_by_kind(session)
    counted: dict[tuple[str, Any], list[datetime]] = defaultdict(list)
    claimed: list[Claimed] = []
    for row in rows:
        incident = incidents.get(row.incident_id) if row.incident_id is not None else None
        if row.kind in INCIDENT_PAGES and incident is not None and incident.status != "triggered":
            row.state, row.cancel_reason = "cancelled", f"the incident is {incident.status}"
            row.lease_until = row.lease_token = None
            continue
        # When it was first due, before any rate limit or retry moved due_at (latency).
        row.first_due_at = row.first_due_at or row.due_at
        if row.state == "pending":  # a reclaimed row was counted when first claimed
            held_until = _rate_limited(session, row, by_kind, channels, counted, now)
            if held_until is not None:
                row.due_at = row.rate_limited_until = held_until
                continue
        if row.state == "sending":
            if max_attempts is not None and row.attempts >= max_attempts:
                _dead_after_leases(session, row, incident, now)
                continue
            log.warning("outbox row %s: its lease expired; sending it again", row.id)
        row.state, row.lease_until = "sending", now + lease
        row.lease_token = secrets.token_hex(16)
        row.attempts += 1
        row.rate_limited_until = None
        person = people.get(row.person_id) if row.person_id is not None else None
        claimed.append(
            Claimed(
                RowFacts(
                    id=row.id, key=row.idempotency_key, kind=row.kind, urgency=row.urgency,
                    label=row.label, destination=dict(row.destination), person_id=row.person_id,
                    person_name=person, incident=incident.facts if incident else None,
                    payload=dict(row.payload or {}),
                ),
                row.lease_token, row.due_at, row.first_due_at, row.attempts, row.incident_id,
            )
        )  # fmt: skip
    return claimed


def _rate_limited(
    session: Session,
    row: Notification,
    by_kind: Mapping[str, limits.RateLimit],
    channels: Mapping[int, Channel],
    counted: dict[tuple[str, Any], list[datetime]],
    now: datetime,
) -> datetime | None:
    """When the row's destination has room again, or None if it has now (then counted)."""
    limit = limits.limit_of(row, by_kind, channels.get(row.channel_id or -1))
    if limit is None:
        return None
    key = limits.destination_key(row)
    recent = counted[key]
    if not recent:
        recent.extend(limits.recent_sends(session, row, now - limit.per, now))
    held_until = free_at(limit, recent, now)
    if held_until is None:
        recent.append(now)
    return held_until


def _dead_after_leases(
    session: Session, row: Notification, incident: _Incident | None, now: datetime
) -> None:
    why = f"the engine sending it stopped before it finished, {row.attempts} times"
    row.state, row.last_error = "dead", why
    row.lease_until = row.lease_token = None
    log.error("outbox row %s is a dead letter: %s", row.id, why)
    if incident is not None:
        session.add(
            TimelineEntry(
                incident_id=row.incident_id, at=now, kind="delivery_dead", actor=ACTOR,
                text=f"Gave up notifying {row.label}: {why}",
                data={"notification_id": row.id, "attempt": row.attempts},
            )
        )  # fmt: skip


@dataclass(frozen=True)
class _Incident:
    status: str
    facts: IncidentFacts


def _incidents(session: Session, ids: set[int]) -> dict[int, _Incident]:
    if not ids:
        return {}
    rows = session.execute(
        select(Incident, Service.name).join(Service, Service.id == Incident.service_id)
        .where(Incident.id.in_(ids))
    ).all()  # fmt: skip
    runbooks: dict[int, list[Link]] = defaultdict(list)
    services = {incident.service_id for incident, _ in rows}
    for book in session.scalars(
        select(Runbook).where(Runbook.service_id.in_(services)).order_by(Runbook.position)
    ):
        runbooks[book.service_id].append(Link(book.title, book.url))
    return {
        incident.id: _Incident(
            incident.status,
            IncidentFacts(
                incident.id, incident.title, incident.severity, incident.status, service,
                incident.opened_at, tuple(runbooks[incident.service_id]),
            ),
        )  # fmt: skip
        for incident, service in rows
    }


def _people(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def _channels(session: Session, ids: set[int]) -> dict[int, Channel]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Channel).where(Channel.id.in_(ids)))}


@dataclass(frozen=True)
class Tally:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.retrying + self.dead


def record(
    session: Session, results: list[tuple[Claimed, Outcome]], now: datetime, delivery: Delivery
) -> Tally:
    """Write each outcome where this engine still holds the row; how many of each it wrote."""
    done = 0
    incidents = {
        i.id: i
        for i in session.scalars(
            select(Incident).where(
                Incident.id.in_({c.incident_id for c, _ in results if c.incident_id is not None})
            )
        )
    }
    tally: dict[str, int] = defaultdict(int)
    for claimed, outcome in results:
        decision = delivery.decide(claimed, outcome, now)
        values: dict[str, Any] = {"state": decision.state, "lease_until": None, "lease_token": None}
        if decision.state == "sent":
            latency = max(now - claimed.first_due_at, timedelta(0))
            values.update(sent_at=now, latency_ms=int(latency.total_seconds() * 1000))
        else:
            values["last_error"] = (decision.error or "")[:2000]
        if decision.due_at is not None:
            values["due_at"] = decision.due_at
        result = session.execute(
            update(Notification)
            .where(
                Notification.id == claimed.facts.id,
                Notification.lease_token == claimed.token,
                Notification.state == "sending",
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:
            log.warning(
                "outbox row %s: lease lost before its outcome (%s) was recorded",
                claimed.facts.id, decision.state,
            )  # fmt: skip
            continue
        done += 1
        tally[decision.state] += 1
        hook = delivery.settled.get(claimed.facts.kind)
        if hook is not None and decision.state in ("sent", "dead"):
            answer = outcome.answer if isinstance(outcome, Sent) else {}
            hook(session, claimed.facts.payload, decision.state, answer, decision.error, now)
        incident = incidents.get(claimed.incident_id or -1)
        if incident is not None:
            note(
                session, incident, kind=decision.entry, actor=ACTOR, now=now,
                text=_entry_text(claimed, decision),
                data={"notification_id": claimed.facts.id, "attempt": claimed.attempts},
            )  # fmt: skip
    return Tally(tally["sent"], tally["pending"], tally["dead"])


def _entry_text(claimed: Claimed, decision: Decision) -> str:
    label = claimed.facts.label
    if decision.state == "sent":
        return f"Notified {label}"
    if decision.state == "dead":
        return f"Gave up notifying {label}: {decision.error}"
    assert decision.due_at is not None
    return (
        f"Notifying {label} failed (try {claimed.attempts}): {decision.error}; "
        f"trying again at {decision.due_at:%H:%M:%S} UTC"
    )


def next_due(session: Session) -> datetime | None:
    """The earliest instant delivery has work: a pending row's due time or a lease's end."""
    pending = session.scalar(
        select(func.min(Notification.due_at)).where(Notification.state == "pending")
    )
    lease = session.scalar(
        select(func.min(Notification.lease_until)).where(Notification.state == "sending")
    )
    return min((t for t in (pending, lease) if t is not None), default=None)
