"""The incident page's roles, impact and responders cards: what they show (`war_room`, read in the
page's transaction) and the forms responders post (assign a role, ask someone to join, edit the
impact, flag security), each CSRF-guarded, acting as the login with source ui. A person answers
their own request to join from the page too. Bad input comes back on the page with a 422."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from onwatch.auth.roles import Principal
from onwatch.core.errors import Conflict, Forbidden, Invalid
from onwatch.directory.actors import person_of
from onwatch.incidents import impact, responders, roles
from onwatch.web.pages.incidents import _incident_page
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()
TEXT_FIELDS = ("qa_severity", "remediation_effort", "business_impact")
FLAGS = ("runbook_used", "other_team_acted", "out_of_band_release")


def _act(
    request: Request, incident_id: int, act: Callable[[Session, str, datetime], object], anchor: str
) -> Response:
    ctx = context(request)
    who: Principal = request.state.principal
    try:
        with ctx.db.transaction() as session:
            act(session, who.actor, ctx.clock.now())
    except Invalid as error:
        return _incident_page(request, incident_id, status=422, error=error.message)
    except Conflict as error:
        return _incident_page(request, incident_id, status=409, error=error.message)
    return RedirectResponse(f"/incidents/{incident_id}#{anchor}", status_code=303)


@router.post("/incidents/{incident_id}/roles", response_class=HTMLResponse)
def assign(
    incident_id: Id,
    request: Request,
    role: str = Form(""),
    person: str = Form(""),
    backup: str = Form(""),
    _: Principal = Depends(responder),
) -> Response:
    def act(session: Session, actor: str, now: datetime) -> object:
        return roles.assign(
            session, incident_id, role, person, backup=backup or None, actor=actor, now=now,
            source="ui",
        )  # fmt: skip

    return _act(request, incident_id, act, "roles")


@router.post("/incidents/{incident_id}/responders", response_class=HTMLResponse)
def ask(
    incident_id: Id,
    request: Request,
    person: str = Form(""),
    policy: str = Form(""),
    message: str = Form(""),
    _: Principal = Depends(responder),
) -> Response:
    def act(session: Session, actor: str, now: datetime) -> object:
        return responders.request(
            session, incident_id, person=person or None, policy=policy or None,
            message=message, actor=actor, now=now, source="ui",
        )  # fmt: skip

    return _act(request, incident_id, act, "responders")


@router.post("/incidents/{incident_id}/responders/answer", response_class=HTMLResponse)
def answer(
    incident_id: Id,
    request: Request,
    answer: str = Form(""),
    _: Principal = Depends(viewer),
) -> Response:
    def act(session: Session, actor: str, now: datetime) -> object:
        me = person_of(session, actor)
        if me is None:
            raise Forbidden("only the person asked may answer: link your login to a person")
        return responders.answer(
            session, incident_id, me.id, answer == "accept", actor=actor, now=now, source="ui"
        )

    return _act(request, incident_id, act, "responders")


@router.post("/incidents/{incident_id}/impact", response_class=HTMLResponse)
async def edit_impact(
    incident_id: Id, request: Request, _: Principal = Depends(responder)
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {}
    for name in ("users_count", "users_share", "next_release_at", "triage", *TEXT_FIELDS):
        raw = str(form.get(name, "")).strip()
        values[name] = raw or None
    if values["next_release_at"] and len(values["next_release_at"]) == 16:
        values["next_release_at"] += ":00Z"  # a datetime-local field, read as UTC
    apps = str(form.get("applications", ""))
    values["applications"] = [a.strip() for a in apps.split(",") if a.strip()]
    for flag in FLAGS:
        values[flag] = form.get(flag) == "on"

    def act(session: Session, actor: str, now: datetime) -> object:
        return impact.set_impact(
            session, incident_id, impact.parse(values), actor=actor, now=now, source="ui"
        )

    return await _threaded(request, incident_id, act)


async def _threaded(request: Request, incident_id: int, act: Callable[..., object]) -> Response:
    return await run_in_threadpool(_act, request, incident_id, act, "impact")


@router.post("/incidents/{incident_id}/security", response_class=HTMLResponse)
def security(
    incident_id: Id,
    request: Request,
    flag: str = Form(""),
    _: Principal = Depends(responder),
) -> Response:
    def act(session: Session, actor: str, now: datetime) -> object:
        return impact.set_security(
            session, incident_id, flag == "on", actor=actor, now=now, source="ui"
        )

    return _act(request, incident_id, act, "impact")
