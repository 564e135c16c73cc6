"""Alerts and a service's change events, for viewers: lists newest first with a cursor (keyset
pagination: as fast on the millionth alert as on the first), one alert with its events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from onwatch.alerts import queries
from onwatch.alerts.models import AlertEventRecord, ChangeRecord
from onwatch.auth.roles import Principal
from onwatch.web.params import Id, before_id
from onwatch.web.security import context, viewer

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class AlertOut(BaseModel):
    id: int
    service: str
    status: str
    held_by: str | None
    severity: str
    summary: str
    dedup_key: str
    source: str
    labels: dict[str, Any]
    count: int
    event_count: int
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    incident_id: int | None

    @classmethod
    def of(cls, row: queries.AlertRow) -> AlertOut:
        a = row.alert
        return cls(
            id=a.id,
            service=row.service,
            status=a.status,
            held_by=a.held_by,
            severity=a.severity,
            summary=a.summary,
            dedup_key=a.dedup_key,
            source=a.source,
            labels=a.labels,
            count=a.count,
            event_count=a.event_count,
            first_seen_at=a.first_seen_at,
            last_seen_at=a.last_seen_at,
            acknowledged_at=a.acknowledged_at,
            resolved_at=a.resolved_at,
            incident_id=a.incident_id,
        )


class EventOut(BaseModel):
    id: int
    received_at: datetime
    action: str
    outcome: str
    summary: str
    severity: str | None
    payload: dict[str, Any]
    # How many times in a row it came: a trigger re-sent with the same body is counted here.
    repeats: int

    @classmethod
    def of(cls, e: AlertEventRecord, repeats: int = 1) -> EventOut:
        return cls(
            id=e.id,
            received_at=e.received_at,
            action=e.action,
            outcome=e.outcome,
            summary=e.summary,
            severity=e.severity,
            payload=e.payload,
            repeats=repeats,
        )


class AlertDetail(AlertOut):
    annotations: dict[str, Any]
    details: dict[str, Any]
    links: list[dict[str, Any]]
    images: list[dict[str, Any]]
    generator_url: str
    component: str
    group: str
    class_: str
    events: list[EventOut]
    events_total: int

    @classmethod
    def detail(cls, row: queries.AlertRow, events: list[AlertEventRecord]) -> AlertDetail:
        a = row.alert
        return cls(
            **AlertOut.of(row).model_dump(),
            annotations=a.annotations,
            details=a.details,
            links=a.links.get("links", []),
            images=a.links.get("images", []),
            generator_url=a.generator_url,
            component=a.component,
            group=a.group,
            class_=a.class_,
            events=[
                EventOut.of(e, times)
                for e, times in zip(
                    events, queries.event_repeats(events, a.event_count), strict=True
                )
            ],
            events_total=a.event_count,
        )


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class ChangeOut(BaseModel):
    id: int
    summary: str
    source: str
    occurred_at: datetime
    received_at: datetime
    details: dict[str, Any]
    links: list[dict[str, Any]]

    @classmethod
    def of(cls, c: ChangeRecord) -> ChangeOut:
        return cls(
            id=c.id,
            summary=c.summary,
            source=c.source,
            occurred_at=c.occurred_at,
            received_at=c.received_at,
            details=c.details,
            links=c.links.get("links", []),
        )


class ChangePage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str | None


def next_cursor(before: int | None) -> str | None:
    return None if before is None else str(before)


@router.get("/alerts")
def list_alerts(
    request: Request,
    service: str | None = Query(None, description="Only alerts of this service."),
    status: str | None = Query(
        None, description="firing, acknowledged, resolved, or open (firing or acknowledged)."
    ),
    held: bool | None = Query(None, description="true: held by a silence or maintenance."),
    cursor: str | None = Query(None, description="`next_cursor` of the previous page."),
    limit: int = Query(50, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> AlertPage:
    """Alerts, newest first, a page at a time."""
    with context(request).db.read() as session:
        page = queries.list_alerts(
            session,
            service=service,
            status=status,
            held=held,
            before=before_id(cursor),
            limit=limit,
        )
        return AlertPage(
            items=[AlertOut.of(row) for row in page.items],
            next_cursor=next_cursor(page.next_before),
        )


@router.get("/alerts/{alert_id}")
def get_alert(
    alert_id: Id,
    request: Request,
    events: int = Query(50, ge=0, le=500, description="How many of the newest events."),
    _: Principal = Depends(viewer),
) -> AlertDetail:
    """One alert with its newest events; `events_total` counts every event that touched it."""
    with context(request).db.read() as session:
        row = queries.get_alert(session, alert_id)
        kept = queries.alert_events(session, alert_id, events) if events else []
        return AlertDetail.detail(row, kept)


@router.get("/services/{name}/changes")
def list_changes(
    name: str,
    request: Request,
    cursor: str | None = Query(None),
    limit: int = Query(50, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> ChangePage:
    """Change events sent for the service (`/v2/change/enqueue`), newest first."""
    with context(request).db.read() as session:
        page = queries.list_changes(session, name, before=before_id(cursor), limit=limit)
        return ChangePage(
            items=[ChangeOut.of(c) for c in page.items],
            next_cursor=next_cursor(page.next_before),
        )
