"""Incidents: lists and detail (alerts, timeline) for viewers; acknowledge, resolve, reopen and
notes for responders, each audited and written on the timeline with the actor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.alerts import queries as alert_queries
from onwatch.alerts import responding
from onwatch.auth.roles import Principal
from onwatch.core.errors import Invalid
from onwatch.directory.actors import display_names
from onwatch.incidents import actions, queries
from onwatch.incidents.models import TimelineEntry
from onwatch.incidents.numbers import Numbers
from onwatch.incidents.severity import DEFAULT_NAMES
from onwatch.web.api.alerts import AlertOut, before_id, next_cursor
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["incidents"])


class IncidentOut(BaseModel):
    id: int
    service: str
    title: str
    severity: str
    severity_name: str = Field(description="The severity's configured name (`severities:`).")
    priority: str | None
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    alert_count: int
    group_key: str | None
    summary: str | None
    duplicate_of: int | None = Field(description="The incident this one is a duplicate of.")
    postmortem_required: bool
    postmortem_reasons: list[str] = Field(
        description="Why a post-mortem is required (the post-mortem rules that hold), in the "
        "order they came to hold."
    )
    postmortem_state: str | None
    postmortem_waiver: str | None = Field(description="Why the post-mortem was waived.")

    @classmethod
    def of(cls, row: queries.IncidentRow, names: dict[str, str] | None = None) -> IncidentOut:
        i = row.incident
        return cls(
            id=i.id,
            service=row.service,
            title=i.title,
            severity=i.severity,
            severity_name=(names or DEFAULT_NAMES).get(i.severity, i.severity),
            priority=i.priority,
            status=i.status,
            opened_at=i.opened_at,
            acknowledged_at=i.acknowledged_at,
            mitigated_at=i.mitigated_at,
            resolved_at=i.resolved_at,
            closed_at=i.closed_at,
            alert_count=i.alert_count,
            group_key=i.group_key,
            summary=i.summary,
            duplicate_of=i.duplicate_of_id,
            postmortem_required=i.postmortem_required,
            postmortem_reasons=list(i.postmortem_reasons),
            postmortem_state=i.postmortem_state,
            postmortem_waiver=i.postmortem_waiver,
        )


class NumbersOut(BaseModel):
    """From the opening, in seconds; null while it has not happened."""

    time_to_acknowledge_seconds: float | None
    time_to_mitigate_seconds: float | None
    time_to_resolve_seconds: float | None

    @classmethod
    def of(cls, n: Numbers) -> NumbersOut:
        def seconds(span: timedelta | None) -> float | None:
            return None if span is None else span.total_seconds()

        return cls(
            time_to_acknowledge_seconds=seconds(n.time_to_acknowledge),
            time_to_mitigate_seconds=seconds(n.time_to_mitigate),
            time_to_resolve_seconds=seconds(n.time_to_resolve),
        )


class TimelineOut(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str
    actor_name: str = Field(description="The actor as people read it: a person's name, if known.")
    source: str = Field(description="Where the change came from: ui, api, cli, link, system…")
    text: str
    data: dict[str, Any]

    @classmethod
    def of(cls, e: TimelineEntry, names: dict[str, str]) -> TimelineOut:
        return cls(
            id=e.id,
            at=e.at,
            kind=e.kind,
            actor=e.actor,
            actor_name=names.get(e.actor, e.actor),
            source=e.source,
            text=e.text,
            data=e.data,
        )


class IncidentDetail(IncidentOut):
    numbers: NumbersOut
    alerts: list[AlertOut]
    timeline: list[TimelineOut]
    timeline_total: int


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None


class IncidentChange(BaseModel):
    incident: IncidentOut
    changed: bool


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=actions.MAX_NOTE, description="What to add to the timeline."
    )


@router.get("/incidents")
def list_incidents(
    request: Request,
    service: str | None = Query(None, description="Only incidents of this service."),
    status: str | None = Query(
        None,
        description="triggered, acknowledged, mitigated, resolved, closed; open (the first "
        "three), done (resolved or closed) or all (the default).",
    ),
    severity: str | None = Query(None, description="sev1, sev2, sev3 or sev4."),
    priority: str | None = Query(None, description="p1 … p5, or none."),
    team: str | None = Query(None, description="Only incidents of this team's services."),
    q: str | None = Query(None, description="Text the title contains (any case)."),
    since: datetime | None = Query(None, description="Opened at or after this instant."),
    until: datetime | None = Query(None, description="Opened before this instant."),
    cursor: str | None = Query(None, description="`next_cursor` of the previous page."),
    limit: int = Query(50, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> IncidentPage:
    """Incidents, newest first, a page at a time, narrowed by any of the filters."""
    filters = queries.Filters(
        service=service,
        status=status,
        severity=severity,
        priority=priority,
        team=team,
        q=q,
        since=_aware(since, "since"),
        until=_aware(until, "until"),
    )
    with context(request).db.read() as session:
        page = queries.list_incidents(
            session, filters=filters, before=before_id(cursor), limit=limit
        )
        names = queries.severity_names(session)
        return IncidentPage(
            items=[IncidentOut.of(row, names) for row in page.items],
            next_cursor=next_cursor(page.next_before),
        )


def _aware(at: datetime | None, field: str) -> datetime | None:
    if at is not None and at.tzinfo is None:
        raise Invalid("give a time zone (Z or +hh:mm): an instant without one is ambiguous", field)
    return at


def incident_detail(session: Session, incident_id: int) -> IncidentDetail:
    row = queries.get_incident(session, incident_id)
    entries, total = queries.timeline(session, incident_id)
    alerts = alert_queries.incident_alerts(session, incident_id)
    names = display_names(session, {e.actor for e in entries})
    return IncidentDetail(
        **IncidentOut.of(row, queries.severity_names(session)).model_dump(),
        numbers=NumbersOut.of(queries.incident_numbers(session, row.incident)),
        alerts=[AlertOut.of(a) for a in alerts],
        timeline=[TimelineOut.of(e, names) for e in entries],
        timeline_total=total,
    )


@router.get("/incidents/{incident_id}")
def get_incident(
    incident_id: Id, request: Request, _: Principal = Depends(viewer)
) -> IncidentDetail:
    """One incident with its newest alerts (up to 100) and its timeline in order."""
    with context(request).db.read() as session:
        return incident_detail(session, incident_id)


@router.post("/incidents/{incident_id}/acknowledge")
def acknowledge(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> IncidentChange:
    """Acknowledge the incident and its firing alerts; 409 if it is resolved or closed."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, changed = responding.acknowledge_incident(
            session, incident_id, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        row = queries.get_incident(session, incident_id)
        return IncidentChange(incident=IncidentOut.of(row), changed=changed)


@router.post("/incidents/{incident_id}/resolve")
def resolve(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> IncidentChange:
    """Resolve the incident and every open alert of it."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        _, changed = responding.resolve_incident(
            session, incident_id, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        row = queries.get_incident(session, incident_id)
        return IncidentChange(incident=IncidentOut.of(row), changed=changed)


@router.post("/incidents/{incident_id}/reopen")
def reopen(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> IncidentChange:
    """Open a resolved or closed incident again (acknowledged if it ever was, else triggered).
    409 if it is open, or if another open incident of its service holds the same group."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.reopen(
            session, incident_id, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        row = queries.get_incident(session, incident_id)
        return IncidentChange(incident=IncidentOut.of(row), changed=True)


@router.post("/incidents/{incident_id}/notes", status_code=201)
def add_note(
    incident_id: Id, body: NoteIn, request: Request, who: Principal = Depends(responder)
) -> TimelineOut:
    """Add a note to the incident's timeline (open or resolved); audited."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        entry = actions.add_note(
            session, incident_id, body.text, actor=who.actor, now=ctx.clock.now(), source="api"
        )
        return TimelineOut.of(entry, display_names(session, [entry.actor]))
