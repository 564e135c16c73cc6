"""Receiving monitor requests: check the integration key, parse the body in the key's wire
format, send each event to its service (label routes, else the key's own service) and store them
(alerts.ingest), all in the caller's transaction, so a 2xx means everything is committed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Outcome, Routed, ingest
from onwatch.alerts.models import Alert, ChangeRecord
from onwatch.alerts.routing import Route, RoutingSpec, service_for
from onwatch.core.errors import OnwatchError, RateLimited, Unauthorized
from onwatch.directory.models import Service
from onwatch.integrations import alertmanager, datadog, generic, grafana, pagerduty
from onwatch.integrations.keys import Grant, grant_for
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
    """One monitor request as the web layer hands it over: decoded, not yet checked. `key` is
    None for PagerDuty, whose key is the body's routing_key."""

    kind: str
    key: str | None
    body: Any
    new_dedup_key: str = ""


def receive(
    session: Session,
    deliveries: Sequence[Delivery],
    *,
    now: datetime,
    limits: RateLimits,
) -> list[Receipt | OnwatchError]:
    """Store requests that arrived together, in the caller's transaction. Each is checked,
    parsed, rate-limited and routed on its own, and a problem is that request's answer only;
    then the events of each integration are ingested in one call (one upsert for a run of
    triggers, one lookup of holds and incidents), as if the requests had come one by one."""
    answers: list[Receipt | OnwatchError | None] = [None] * len(deliveries)
    by_integration: dict[int, list[tuple[int, list[Routed]]]] = {}
    grants = _Grants(session)
    for index, delivery in enumerate(deliveries):
        try:
            grant, events = _checked(grants, delivery, now)
            _admit(grant, len(events), now, limits)
            routed = _route(session, grant, events) if events else []
        except OnwatchError as error:
            answers[index] = error
            continue
        by_integration.setdefault(grant.integration_id, []).append((index, routed))
    for integration_id, requests in by_integration.items():
        events = [event for _, routed in requests for event in routed]
        outcomes = iter(ingest(session, events, integration_id=integration_id, now=now))
        for index, routed in requests:
            answers[index] = Receipt([next(outcomes) for _ in routed])
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


def _checked(grants: _Grants, delivery: Delivery, now: datetime) -> tuple[Grant, list[AlertEvent]]:
    """The key's grant and the events of the body. PagerDuty's body is read before its key is
    checked (the key is in it): a body without a usable routing_key is Invalid, PD's 400, with
    every other problem of the event named too."""
    if delivery.kind != "pagerduty":
        grant = grants(delivery.key or "", delivery.kind)
        return grant, WEBHOOK_PARSERS[delivery.kind](delivery.body, now)
    body = delivery.body
    key = body.get("routing_key") if isinstance(body, dict) else None
    if not isinstance(key, str) or not key.strip():
        pagerduty.parse_event(body, now, delivery.new_dedup_key)  # raises Invalid
        raise Unauthorized("unknown integration key")
    grant = grants(key, "pagerduty")
    return grant, [pagerduty.parse_event(body, now, delivery.new_dedup_key)]


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
    return record.id


def _admit(grant: Grant, events: int, now: datetime, limits: RateLimits) -> None:
    if not limits.admit(grant.integration_id, events, grant.rate_limit, now):
        raise RateLimited("too many events for this integration key; retry later")


def _route(session: Session, grant: Grant, events: list[AlertEvent]) -> list[Routed]:
    own = grant.service
    routes = compiled_routes(json.dumps(grant.routes, sort_keys=True)) if grant.routes else ()
    if not routes:
        return [Routed(grant.service_id, own, event) for event in events]
    names = [service_for(event.labels, routes, own) for event in events]
    ids = dict(
        session.execute(select(Service.name, Service.id).where(Service.name.in_(set(names)))).all()
    )
    routed = []
    for event, name in zip(events, names, strict=True):
        if event.action != "trigger" and not event.labels:
            # PagerDuty's acknowledge and resolve carry no payload, so no labels to route by:
            # they go where this key's trigger with the same dedup key went.
            found = _open_alert_service(session, grant.integration_id, event.dedup_key)
            if found is not None:
                routed.append(Routed(found[0], found[1], event))
                continue
        # A target deleted since the config was applied falls back to the key's own service.
        target = ids.get(name)
        if target is None:
            routed.append(Routed(grant.service_id, own, event))
        else:
            routed.append(Routed(target, name, event))
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
