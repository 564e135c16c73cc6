"""Receiving monitor requests: check the integration key, parse the body in the key's wire
format, send each event to its service (label routes, else the key's own service) and store them
(alerts.ingest), all in the caller's transaction, so a 2xx means everything is committed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Outcome, Routed, ingest
from onwatch.alerts.models import Alert, ChangeRecord
from onwatch.alerts.repeats import event_hash
from onwatch.alerts.routing import Route, RoutingSpec, service_for
from onwatch.core.errors import OnwatchError, RateLimited, Unauthorized
from onwatch.deploys import actions as deploys
from onwatch.directory.models import Service
from onwatch.integrations import alertmanager, datadog, generic, grafana, pagerduty
from onwatch.integrations.keys import Grant, grant_for, note_events
from onwatch.integrations.limits import RateLimits

# Wire formats whose body is a batch of alert events (PagerDuty has its own entry points).
WEBHOOK_PARSERS: dict[str, Callable[[Any, datetime], list[AlertEvent]]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "datadog": datadog.parse,
    "generic": generic.parse,
}


@dataclass(frozen=True)
class Receipt:
    """What happened to each event of one request, in order."""

    outcomes: list[Outcome]

    @property
    def opened_incident(self) -> bool:
        return any(outcome.opened_incident for outcome in self.outcomes)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(outcome.result for outcome in self.outcomes).items()))


@dataclass(frozen=True)
class Delivery:
    """One monitor request as the web layer hands it over: decoded (or, for a body seen
    before, parsed), not yet checked. `key` is None for PagerDuty, whose key is the body's
    routing_key."""

    kind: str
    key: str | None
    body: Any
    new_dedup_key: str = ""
    raw: bytes = b""  # the body's bytes, for integrations.seen
    parsed: Parsed | None = None  # what parsing the same body gave before (integrations.seen)


@dataclass(frozen=True)
class Parsed:
    """A delivery as read without the database: its key and wire format, and its events or
    what is wrong with its body (PagerDuty without a routing key: that, at once)."""

    key: str
    kind: str
    events: list[AlertEvent]
    problem: OnwatchError | None = None
    digests: list[str] = field(default_factory=list)  # each trigger's event_hash

    @classmethod
    def of(cls, key: str, kind: str, events: list[AlertEvent]) -> Parsed:
        digests = [event_hash(e) if e.action == "trigger" else "" for e in events]
        return cls(key, kind, events, None, digests)


def parse(delivery: Delivery, now: datetime) -> Parsed:
    """Read a delivery's body. Done before the storing transaction (IntakeWriter), so that on
    SQLite the write lock is not held while bodies are parsed."""
    if delivery.kind != "pagerduty":
        try:
            events = WEBHOOK_PARSERS[delivery.kind](delivery.body, now)
        except OnwatchError as error:
            return Parsed(delivery.key or "", delivery.kind, [], error)
        return Parsed.of(delivery.key or "", delivery.kind, events)
    body = delivery.body
    key = body.get("routing_key") if isinstance(body, dict) else None
    try:
        event = pagerduty.parse_event(body, now, delivery.new_dedup_key)
    except OnwatchError as error:
        return Parsed(key if isinstance(key, str) else "", "pagerduty", [], error)
    return Parsed.of(key, "pagerduty", [event])


def receive(
    session: Session,
    deliveries: Sequence[Delivery],
    *,
    now: datetime,
    limits: RateLimits,
) -> list[Receipt | OnwatchError]:
    """Parse and store requests that arrived together, in the caller's transaction."""
    return store(session, [parse(d, now) for d in deliveries], now=now, limits=limits)


def store(
    session: Session,
    requests: Sequence[Parsed],
    *,
    now: datetime,
    limits: RateLimits,
) -> list[Receipt | OnwatchError]:
    """Store parsed requests that arrived together, in the caller's transaction. Each is
    checked, rate-limited and routed on its own, and a problem is that request's answer only;
    then the events of each integration are ingested in one call (one upsert for a run of
    triggers, one lookup of holds and incidents), as if the requests had come one by one."""
    answers: list[Receipt | OnwatchError | None] = [None] * len(requests)
    by_integration: dict[int, list[tuple[int, list[Routed]]]] = {}
    last_seen: dict[int, datetime | None] = {}
    grants = _Grants(session)
    for index, request in enumerate(requests):
        try:
            grant, events = _checked(grants, request)
            _admit(grant, len(events), now, limits)
            routed = _route(session, grant, events, request.digests) if events else []
        except OnwatchError as error:
            answers[index] = error
            continue
        by_integration.setdefault(grant.integration_id, []).append((index, routed))
        last_seen[grant.integration_id] = grant.last_event_at
    for integration_id, sent in by_integration.items():
        events = [event for _, routed in sent for event in routed]
        outcomes = iter(ingest(session, events, integration_id=integration_id, now=now))
        for index, routed in sent:
            answers[index] = Receipt([next(outcomes) for _ in routed])
    note_events(session, last_seen.items(), now)
    return [answer for answer in answers if answer is not None]


class _Grants:
    """Keys checked once per batch: a busy monitor sends many requests with one key."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[tuple[str, str], Grant | OnwatchError] = {}

    def __call__(self, key: str, kind: str) -> Grant:
        if (key, kind) not in self.found:
            try:
                self.found[key, kind] = grant_for(self.session, key, kind)
            except OnwatchError as error:
                self.found[key, kind] = error
        found = self.found[key, kind]
        if isinstance(found, OnwatchError):
            raise found
        return found


def _checked(grants: _Grants, request: Parsed) -> tuple[Grant, list[AlertEvent]]:
    """The key's grant and the events of the body; the key is checked first, so a wrong key
    reveals nothing about the body. PagerDuty's key is in its body: a body without a usable
    routing_key is Invalid (PD's 400), with every other problem of the event named too."""
    if request.kind == "pagerduty" and not request.key.strip():
        raise request.problem or Unauthorized("unknown integration key")
    grant = grants(request.key, request.kind)
    if request.problem is not None:
        raise request.problem
    return grant, request.events


def receive_change(session: Session, body: Any, *, now: datetime, limits: RateLimits) -> int:
    """A PagerDuty change event (`/v2/change/enqueue`), stored on the key's service; its id."""
    key = body.get("routing_key") if isinstance(body, dict) else None
    if not isinstance(key, str) or not key.strip():
        pagerduty.parse_change(body, now)  # raises Invalid listing the problems
        raise Unauthorized("unknown integration key")
    grant = grant_for(session, key, "pagerduty")
    change = pagerduty.parse_change(body, now)
    _admit(grant, 1, now, limits)
    record = ChangeRecord(
        service_id=grant.service_id,
        integration_id=grant.integration_id,
        summary=change.summary,
        source=change.source,
        occurred_at=change.occurred_at,
        received_at=now,
        details=change.details,
        links={"links": [vars(link) for link in change.links]},
    )
    session.add(record)
    session.flush()
    # A change naming a release (custom_details.release or version) is a deploy to watch.
    deploys.from_change(session, grant.service, change.details, change.occurred_at, now)
    note_events(session, [(grant.integration_id, grant.last_event_at)], now)
    return record.id


def _admit(grant: Grant, events: int, now: datetime, limits: RateLimits) -> None:
    if not limits.admit(grant.integration_id, events, grant.rate_limit, now):
        raise RateLimited("too many events for this integration key; retry later")


def _route(
    session: Session, grant: Grant, events: list[AlertEvent], digests: list[str]
) -> list[Routed]:
    own = grant.service
    routes = compiled_routes(json.dumps(grant.routes, sort_keys=True)) if grant.routes else ()
    if not routes:
        return [
            Routed(grant.service_id, own, event, digest)
            for event, digest in zip(events, digests, strict=True)
        ]
    names = [service_for(event.labels, routes, own) for event in events]
    ids = dict(
        session.execute(select(Service.name, Service.id).where(Service.name.in_(set(names)))).all()
    )
    routed = []
    for event, name, digest in zip(events, names, digests, strict=True):
        if event.action != "trigger" and not event.labels:
            # PagerDuty's acknowledge and resolve carry no payload, so no labels to route by:
            # they go where this key's trigger with the same dedup key went.
            found = _open_alert_service(session, grant.integration_id, event.dedup_key)
            if found is not None:
                routed.append(Routed(found[0], found[1], event, digest))
                continue
        # A target deleted since the config was applied falls back to the key's own service.
        target = ids.get(name)
        if target is None:
            routed.append(Routed(grant.service_id, own, event, digest))
        else:
            routed.append(Routed(target, name, event, digest))
    return routed


@lru_cache(maxsize=1024)
def compiled_routes(routes: str) -> tuple[Route, ...]:
    """An integration's stored routes (JSON text), compiled once per process: the regexes of a
    busy integration are not rebuilt for every request."""
    return RoutingSpec.model_validate(json.loads(routes)).compiled()


def _open_alert_service(
    session: Session, integration_id: int, dedup_key: str
) -> tuple[int, str] | None:
    row = session.execute(
        select(Alert.service_id, Service.name)
        .join(Service, Service.id == Alert.service_id)
        .where(
            Alert.integration_id == integration_id,
            Alert.dedup_key == dedup_key,
            Alert.status != "resolved",
        )
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
