"""Receiving one monitor request: check the integration key, parse the body in the key's wire
format, send each event to its service (label routes, else the key's own service) and store them
(alerts.ingest), all in the caller's transaction, so a 2xx means everything is committed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Outcome, Routed, ingest
from onwatch.alerts.models import Alert, ChangeRecord
from onwatch.alerts.routing import RoutingSpec, service_for
from onwatch.core.errors import RateLimited, Unauthorized
from onwatch.directory.models import Service
from onwatch.integrations import alertmanager, datadog, generic, grafana, pagerduty
from onwatch.integrations.keys import authenticate_key
from onwatch.integrations.limits import RateLimits
from onwatch.integrations.models import Integration

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


def receive_pagerduty(
    session: Session,
    body: Any,
    *,
    now: datetime,
    limits: RateLimits,
    new_dedup_key: str,
) -> Receipt:
    """One PagerDuty Events v2 alert event (`/v2/enqueue`); the key is the body's routing_key.
    A body without a usable routing_key is Invalid (PD's 400), naming every other problem too."""
    key = body.get("routing_key") if isinstance(body, dict) else None
    if not isinstance(key, str) or not key.strip():
        pagerduty.parse_event(body, now, new_dedup_key)  # raises Invalid listing the problems
        raise Unauthorized("unknown integration key")
    integration = authenticate_key(session, key, "pagerduty")
    event = pagerduty.parse_event(body, now, new_dedup_key)
    return _store(session, integration, [event], now=now, limits=limits)


def receive_webhook(
    session: Session,
    kind: str,
    key: str,
    body: Any,
    *,
    now: datetime,
    limits: RateLimits,
) -> Receipt:
    """A webhook of `kind` (alertmanager, grafana, datadog, generic) sent with `key`."""
    integration = authenticate_key(session, key, kind)
    events = WEBHOOK_PARSERS[kind](body, now)
    return _store(session, integration, events, now=now, limits=limits)


def receive_change(session: Session, body: Any, *, now: datetime, limits: RateLimits) -> int:
    """A PagerDuty change event (`/v2/change/enqueue`), stored on the key's service; its id."""
    key = body.get("routing_key") if isinstance(body, dict) else None
    if not isinstance(key, str) or not key.strip():
        pagerduty.parse_change(body, now)  # raises Invalid listing the problems
        raise Unauthorized("unknown integration key")
    integration = authenticate_key(session, key, "pagerduty")
    change = pagerduty.parse_change(body, now)
    _admit(integration, 1, now, limits)
    record = ChangeRecord(
        service_id=integration.service_id,
        integration_id=integration.id,
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


def _admit(integration: Integration, events: int, now: datetime, limits: RateLimits) -> None:
    if not limits.admit(integration.id, events, integration.rate_limit, now):
        raise RateLimited("too many events for this integration key; retry later")


def _store(
    session: Session,
    integration: Integration,
    events: list[AlertEvent],
    *,
    now: datetime,
    limits: RateLimits,
) -> Receipt:
    _admit(integration, len(events), now, limits)
    if not events:
        return Receipt([])
    routed = _route(session, integration, events)
    outcomes = ingest(session, routed, integration_id=integration.id, now=now)
    return Receipt(outcomes)


def _route(session: Session, integration: Integration, events: list[AlertEvent]) -> list[Routed]:
    own = session.scalar(select(Service.name).where(Service.id == integration.service_id))
    assert own is not None  # the foreign key keeps the integration's service
    routes = RoutingSpec.model_validate(integration.routes or {}).compiled()
    if not routes:
        return [Routed(integration.service_id, own, event) for event in events]
    names = [service_for(event.labels, routes, own) for event in events]
    ids = dict(
        session.execute(select(Service.name, Service.id).where(Service.name.in_(set(names))))
        .tuples()
        .all()
    )
    routed = []
    for event, name in zip(events, names, strict=True):
        if event.action != "trigger" and not event.labels:
            # PagerDuty's acknowledge and resolve carry no payload, so no labels to route by:
            # they go where this key's trigger with the same dedup key went.
            found = _open_alert_service(session, integration.id, event.dedup_key)
            if found is not None:
                routed.append(Routed(found[0], found[1], event))
                continue
        # A target deleted since the config was applied falls back to the key's own service.
        target = ids.get(name)
        if target is None:
            routed.append(Routed(integration.service_id, own, event))
        else:
            routed.append(Routed(target, name, event))
    return routed


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
