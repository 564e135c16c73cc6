"""Upstream outages in the UI: the Upstream card of the incident page (loaded by `card`), a page
of its own that shows the card with what was wrong with a form, the evidence bundle page (for a
chosen window, with Markdown and JSON downloads) and a kept bundle's stable page. Responders
mark the incident upstream, open a maintenance window and attach evidence (CSRF-guarded forms);
viewers read."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Conflict, FieldError, Invalid, NotFound
from onwatch.core.settings import Settings
from onwatch.incidents import queries as incident_queries
from onwatch.upstream import actions, bundles, evidence, queries
from onwatch.upstream.requests import MaintenanceAsk
from onwatch.web.api.upstream import UpstreamOut, telling, upstream_view
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.silences import shown, utc_instant
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = ()
BLANK = {"service": "", "url": "", "duration": "2h", "ends_at": "", "message": ""}


def card(session: Session, incident_id: int, settings: Settings, now: datetime) -> UpstreamOut:
    """What the incident page's Upstream card shows (incidents/_upstream.html reads `up`)."""
    return upstream_view(session, incident_id, settings, now)


def _can_respond(request: Request) -> bool:
    who = request.state.principal
    return who is not None and has_role(who.role, Role.responder)


def _upstream_page(
    request: Request,
    incident_id: int,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        row = incident_queries.get_incident(session, incident_id)
        up = card(session, incident_id, ctx.settings, now)
    return page(
        request,
        "incidents/upstream.html",
        status=status,
        row=row,
        i=row.incident,
        up=up,
        can_respond=_can_respond(request),
        errors=shown(errors or []),
        form={**BLANK, **(form or {})},
    )


@router.get("/incidents/{incident_id}/upstream", response_class=HTMLResponse)
def upstream_page(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    return _upstream_page(request, incident_id)


def _refused(error: Invalid | Conflict) -> list[FieldError]:
    return error.errors if isinstance(error, Invalid) else [FieldError("", error.message)]


@router.post("/incidents/{incident_id}/upstream", response_class=HTMLResponse)
def mark(
    incident_id: Id,
    request: Request,
    service: str = Form(""),
    url: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            actions.mark(
                session, incident_id, service=service or None, url=url or None, actor=who.actor,
                now=ctx.clock.now(), source="ui", telling=telling(ctx.settings),
            )  # fmt: skip
    except (Invalid, Conflict) as error:
        status = 422 if isinstance(error, Invalid) else 409
        form = {"service": service, "url": url}
        return _upstream_page(
            request, incident_id, status=status, errors=_refused(error), form=form
        )
    return RedirectResponse(f"/incidents/{incident_id}#upstream", status_code=303)


@router.post("/incidents/{incident_id}/upstream/maintenance", response_class=HTMLResponse)
def open_maintenance(
    incident_id: Id,
    request: Request,
    duration: str = Form(""),
    ends_at: str = Form(""),
    message: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    form = {"duration": duration, "ends_at": ends_at, "message": message}
    try:
        values: dict[str, Any] = {"message": message.strip()}
        if ends_at.strip():
            values["ends_at"] = utc_instant(ends_at, "ends_at")
        elif duration.strip():
            values["duration"] = duration.strip()
        try:
            body = MaintenanceAsk.model_validate(values)
        except ValidationError as error:
            raise Invalid(
                [
                    FieldError(str(e["loc"][-1]), e["msg"].removeprefix("Value error, "))
                    for e in error.errors()
                ]
            ) from None
        with ctx.db.transaction() as session:
            actions.open_maintenance(
                session, incident_id, message=body.message, ends_at=body.ends_at,
                duration=body.duration, actor=who.actor, now=ctx.clock.now(), source="ui",
                telling=telling(ctx.settings),
            )  # fmt: skip
    except (Invalid, Conflict) as error:
        status = 422 if isinstance(error, Invalid) else 409
        return _upstream_page(
            request, incident_id, status=status, errors=_refused(error), form=form
        )
    return RedirectResponse(f"/incidents/{incident_id}#upstream", status_code=303)


def _window(since: str, until: str) -> tuple[datetime | None, datetime | None]:
    errors: list[FieldError] = []
    found: list[datetime | None] = []
    for value, field in ((since, "since"), (until, "until")):
        try:
            found.append(utc_instant(value, field))
        except Invalid as error:
            errors += error.errors
            found.append(None)
    if errors:
        raise Invalid(errors)
    return found[0], found[1]


@router.get("/incidents/{incident_id}/evidence", response_class=HTMLResponse)
def evidence_page(
    incident_id: Id,
    request: Request,
    since: str = "",
    until: str = "",
    samples: int = evidence.DEFAULT_SAMPLES,
    _: Principal = Depends(viewer),
) -> Response:
    """The bundle for the window asked (UTC), as it is now."""
    ctx = context(request)
    now = ctx.clock.now()
    errors: list[FieldError] = []
    document = None
    asked: dict[str, str] = {}
    with ctx.db.read() as session:
        row = incident_queries.get_incident(session, incident_id)
        try:
            start, end = _window(since, until)
            # The API takes instants with their zone; the form's are UTC.
            asked = {k: v.isoformat() for k, v in (("since", start), ("until", end)) if v}
            found = bundles.build_evidence(
                session, incident_id, since=start, until=end, samples=samples, now=now
            )
            document = evidence.to_document(found)
        except Invalid as error:
            errors = error.errors
        upstream = queries.upstream_service(session, row.incident)
    query = urlencode({**asked, "samples": samples})
    return page(
        request,
        "incidents/evidence.html",
        status=422 if errors else 200,
        row=row,
        i=row.incident,
        doc=document,
        markdown=evidence.to_markdown(document) if document else "",
        kept=None,
        form={"since": since, "until": until, "samples": samples},
        query=query,
        errors=shown(errors),
        can_attach=_can_respond(request) and upstream is not None,
    )


@router.post("/incidents/{incident_id}/evidence", response_class=HTMLResponse)
def attach(
    incident_id: Id,
    request: Request,
    since: str = Form(""),
    until: str = Form(""),
    samples: int = Form(evidence.DEFAULT_SAMPLES),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        start, end = _window(since, until)
        with ctx.db.transaction() as session:
            kept = bundles.attach_evidence(
                session, incident_id, since=start, until=end, samples=samples, actor=who.actor,
                now=ctx.clock.now(), source="ui", telling=telling(ctx.settings),
            )  # fmt: skip
            path = bundles.bundle_path(incident_id, kept.id)
    except (Invalid, Conflict) as error:
        status = 422 if isinstance(error, Invalid) else 409
        return _upstream_page(request, incident_id, status=status, errors=_refused(error))
    return RedirectResponse(path, status_code=303)


@router.get("/incidents/{incident_id}/evidence/{bundle_id}", response_class=HTMLResponse)
def kept_page(
    incident_id: Id, bundle_id: Id, request: Request, _: Principal = Depends(viewer)
) -> Response:
    """A bundle as it was attached: its stable URL."""
    with context(request).db.read() as session:
        row = incident_queries.get_incident(session, incident_id)
        kept = queries.get_bundle(session, incident_id, bundle_id)
        if kept is None:
            raise NotFound(f"no evidence bundle {bundle_id} on incident {incident_id}")
        document = dict(kept.document)
        who = kept.created_by
    return page(
        request,
        "incidents/evidence.html",
        row=row,
        i=row.incident,
        doc=document,
        markdown=kept.markdown,
        kept={"id": bundle_id, "by": who},
        form=None,
        query="",
        errors=[],
        can_attach=False,
    )
