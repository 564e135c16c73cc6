"""Upstream outages on an incident: its upstream state, the windows and evidence kept, for
viewers; marking it upstream, opening a maintenance window on the upstream service and
attaching an evidence bundle, for responders. The evidence bundle as JSON or Markdown."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from onwatch.alerts import maintenance
from onwatch.auth.roles import Principal
from onwatch.calendars.instants import Instant
from onwatch.core.errors import NotFound
from onwatch.core.settings import Settings
from onwatch.incidents import actions as incidents
from onwatch.upstream import actions, bundles, error_evidence, evidence, queries
from onwatch.upstream.models import EvidenceBundle
from onwatch.upstream.requests import EvidenceAsk, MaintenanceAsk, UpstreamAsk
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["upstream"])
Format = Literal["json", "md"]
MARKDOWN = "text/markdown; charset=utf-8"


def telling(settings: Settings) -> actions.Telling:
    return actions.Telling.of(settings)


class Person(BaseModel):
    handle: str
    name: str
    why: str


class UpstreamOut(BaseModel):
    incident_id: int
    upstream: bool
    upstream_service: str | None
    upstream_url: str | None
    choices: list[str] = Field(description="The services the incident may be marked against.")
    told: list[Person] = Field(description="Who its notices go to.")
    windows: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


def bundle_view(kept: EvidenceBundle) -> dict[str, Any]:
    doc = kept.document
    return {
        "id": kept.id,
        "url": doc.get("url"),
        "since": kept.since,
        "until": kept.until,
        "created_at": kept.created_at,
        "created_by": kept.created_by,
        "samples": len(doc.get("samples", [])),
        "total_events": doc.get("total_events"),
        "unique_client_ips": doc.get("unique_client_ips"),
    }


def upstream_view(
    session: Session, incident_id: int, settings: Settings, now: datetime
) -> UpstreamOut:
    incident = incidents.get(session, incident_id)
    service = queries.upstream_service(session, incident)
    told = actions.told(session, incident, service, telling(settings)) if service else []
    return UpstreamOut(
        incident_id=incident.id,
        upstream=incident.upstream,
        upstream_service=service.name if service else None,
        upstream_url=incident.upstream_url,
        choices=[s.name for s in queries.upstream_choices(session, incident.service_id)],
        told=[Person(handle=p.handle, name=p.name, why=why) for p, why in told],
        windows=[
            {
                "id": w.id,
                "service": name,
                "starts_at": w.starts_at,
                "ends_at": w.ends_at,
                "state": maintenance.state_of(w, now),
                "message": w.message,
            }
            for w, name in queries.windows_of(session, incident.id)
        ],
        evidence=[bundle_view(b) for b in queries.bundles_of(session, incident.id)],
    )


@router.get("/incidents/{incident_id}/upstream")
def get_upstream(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> UpstreamOut:
    """Whether the incident is an upstream outage, of which service, reported where; who is
    told; the maintenance windows opened from it and the evidence bundles attached."""
    ctx = context(request)
    with ctx.db.read() as session:
        return upstream_view(session, incident_id, ctx.settings, ctx.clock.now())


@router.put("/incidents/{incident_id}/upstream")
def mark_upstream(
    incident_id: Id, body: UpstreamAsk, request: Request, who: Principal = Depends(responder)
) -> UpstreamOut:
    """Mark the incident as an outage of an upstream service and/or set the link to the
    upstream report; a new link tells the upstream owner and the product owner. 422 naming
    `service` or `url`."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        actions.mark(
            session, incident_id, service=body.service, url=body.url, actor=who.actor, now=now,
            source="api", telling=telling(ctx.settings),
        )  # fmt: skip
        return upstream_view(session, incident_id, ctx.settings, now)


@router.post("/incidents/{incident_id}/upstream/maintenance", status_code=201)
def open_maintenance(
    incident_id: Id, body: MaintenanceAsk, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """Open a maintenance window on the incident's upstream service from now: users see the
    message on `/api/v1/status/maintenance` and `/status`. 409 when the incident is not
    upstream or is resolved; 422 naming `ends_at`, `duration` or `message`."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        window = actions.open_maintenance(
            session, incident_id, message=body.message, ends_at=body.ends_at,
            duration=body.duration, actor=who.actor, now=now, source="api",
            telling=telling(ctx.settings),
        )  # fmt: skip
        _, service = maintenance.get_window_with_service(session, window.id)
        return {
            "id": window.id,
            "service": service,
            "starts_at": window.starts_at,
            "ends_at": window.ends_at,
            "state": maintenance.state_of(window, now),
            "message": window.message,
        }


def _as(document: dict[str, Any], format: Format) -> Response:
    if format == "md":
        return PlainTextResponse(evidence.to_markdown(document), media_type=MARKDOWN)
    return Response(bundles.evidence_json(document), media_type="application/json")


@router.get(
    "/incidents/{incident_id}/evidence",
    responses={200: {"content": {"application/json": {}, "text/markdown": {}}}},
)
def get_evidence(
    incident_id: Id,
    request: Request,
    since: Instant | None = Query(None, description="ISO 8601 with zone; default first failure."),
    until: Instant | None = Query(None, description="ISO 8601 with zone; default now."),
    samples: int = Query(
        evidence.DEFAULT_SAMPLES, ge=evidence.MIN_SAMPLES, le=evidence.MAX_SAMPLES
    ),
    format: Format = Query("json", description="json or md (Markdown)."),
    _: Principal = Depends(viewer),
) -> Response:
    """The evidence bundle of the incident's alerts and linked error issues' events in the
    window, as it is now (not kept): sample failures (timestamp, URL, payload, error id), the
    total events and the unique client IPs. 422 naming `since` or `until` for a window that
    ends before it starts or is longer than 31 days."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = bundles.build_evidence(
            session, incident_id, since=since, until=until, samples=samples, now=now
        )
    return _as(evidence.to_document(found), format)


@router.get(
    "/errors/issues/{issue_id}/evidence",
    responses={200: {"content": {"application/json": {}, "text/markdown": {}}}},
)
def get_issue_evidence(
    issue_id: Id,
    request: Request,
    since: Instant | None = Query(None, description="ISO 8601 with zone; default first event."),
    until: Instant | None = Query(None, description="ISO 8601 with zone; default now."),
    samples: int = Query(
        evidence.DEFAULT_SAMPLES, ge=evidence.MIN_SAMPLES, le=evidence.MAX_SAMPLES
    ),
    format: Format = Query("json", description="json or md (Markdown)."),
    _: Principal = Depends(viewer),
) -> Response:
    """The evidence bundle of an error issue's events in the window: sample events (timestamp,
    URL, payload, event id), the total events and the unique client IPs."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = error_evidence.issue_evidence(
            session, issue_id, since=since, until=until, samples=samples, now=now
        )
    return _as(evidence.to_document(found), format)


@router.post("/incidents/{incident_id}/evidence", status_code=201)
def attach_evidence(
    incident_id: Id, body: EvidenceAsk, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """Attach the bundle to the upstream report: it is kept as it is now at a stable URL,
    noted on the timeline and e-mailed (Markdown and JSON attached) to the upstream owner and
    the product owner. 409 when the incident is not upstream."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        kept = bundles.attach_evidence(
            session, incident_id, since=body.since, until=body.until, samples=body.samples,
            actor=who.actor, now=now, source="api", telling=telling(ctx.settings),
        )  # fmt: skip
        return bundle_view(kept)


@router.get(
    "/evidence/{bundle_id}",
    responses={200: {"content": {"application/json": {}, "text/markdown": {}}}},
)
def get_kept_evidence(
    bundle_id: Id,
    request: Request,
    format: Format = Query("json", description="json or md (Markdown)."),
    _: Principal = Depends(viewer),
) -> Response:
    """An evidence bundle as it was attached to its incident's upstream report."""
    with context(request).db.read() as session:
        kept = session.get(EvidenceBundle, bundle_id)
        if kept is None:
            raise NotFound(f"no evidence bundle {bundle_id}")
        return _as(dict(kept.document), format)
