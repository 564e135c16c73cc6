"""The post-mortem page of an incident: the Markdown editor with its rendered preview, publish
and regenerate, the exports, action items, the review meeting, and "save as a play" (the plays
of a service are suggested on its incidents' pages). Viewers read; responders act
(CSRF-guarded forms), each change audited and on the timeline with source `ui`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Conflict, FieldError, Invalid
from onwatch.directory.queries import list_people
from onwatch.incidents import actions as incidents
from onwatch.postmortems import actions, items, meetings, queries, rendering
from onwatch.postmortems.models import ITEM_KINDS, ITEM_ORIGINS, ITEM_STATUSES
from onwatch.web.api.postmortems import download, organizer
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.silences import shown, utc_instant
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = ()
SOURCE = "ui"
BLANK_ITEM = {"title": "", "owner": "", "due_on": "", "kind": "prevent", "ticket_url": "",
              "origin": "incident"}  # fmt: skip
BLANK_MEETING = {"starts_at": "", "duration_minutes": "60", "location": "", "url": "",
                 "attendees": ""}  # fmt: skip


def _values(session: Session, incident_id: int) -> dict[str, Any]:
    doc = actions.show(session, incident_id)
    incident = incidents.get(session, incident_id)
    meeting = queries.meeting(session, incident_id)
    return {
        "i": incident,
        "doc": doc,
        "preview": rendering.to_html(doc.markdown),
        "items": [items.view(item, owner) for item, owner in queries.items(session, incident_id)],
        "people": [(p.handle, p.name) for p in list_people(session)],
        "meeting": meetings.view(session, incident, meeting) if meeting is not None else None,
        "play": queries.play_of(session, incident_id),
    }


def _page(
    request: Request,
    incident_id: int,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    markdown: str | None = None,
    item_form: dict[str, str] | None = None,
    meeting_form: dict[str, str] | None = None,
) -> Response:
    ctx = context(request)
    with ctx.db.read() as session:
        values = _values(session, incident_id)
    if markdown is not None:
        values["doc_text"] = markdown
    who = request.state.principal
    meeting = values["meeting"]
    return page(
        request,
        "postmortems/editor.html",
        status=status,
        **values,
        can_respond=who is not None and has_role(who.role, Role.responder),
        errors=shown(errors or []),
        item_form=item_form or dict(BLANK_ITEM),
        meeting_form=meeting_form or _meeting_form(meeting),
        kinds=ITEM_KINDS,
        statuses=ITEM_STATUSES,
        origins=ITEM_ORIGINS,
    )


def _meeting_form(meeting: dict[str, Any] | None) -> dict[str, str]:
    if meeting is None or meeting["cancelled_at"] is not None:
        return dict(BLANK_MEETING)
    return {
        "starts_at": meeting["starts_at"].strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": str(meeting["duration_minutes"]),
        "location": meeting["location"] or "",
        "url": meeting["url"] or "",
        "attendees": "\n".join(meeting["attendees"]),
    }


def _act(
    request: Request, incident_id: int, act: Callable[[Session, str], object], anchor: str,
    **form: Any,
) -> Response:  # fmt: skip
    """Run one change in a transaction; Invalid and Conflict are shown on the page with what
    was typed."""
    ctx = context(request)
    who: Principal = request.state.principal
    try:
        with ctx.db.transaction() as session:
            act(session, who.actor)
    except Invalid as error:
        return _page(request, incident_id, status=422, errors=error.errors, **form)
    except Conflict as error:
        return _page(request, incident_id, status=409, errors=[FieldError("", error.message)],
                     **form)  # fmt: skip
    ctx.engine_wakeup.set()
    return RedirectResponse(f"/incidents/{incident_id}/postmortem{anchor}", status_code=303)


@router.get("/incidents/{incident_id}/postmortem", response_class=HTMLResponse)
def editor(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    return _page(request, incident_id)


@router.post("/incidents/{incident_id}/plays", response_class=HTMLResponse)
def save_play(
    incident_id: Id, request: Request, title: str = Form(""), _: Principal = Depends(responder)
) -> Response:
    now = context(request).clock.now()
    return _act(
        request, incident_id,
        lambda s, actor: actions.save_play(s, incident_id, title, actor=actor, source=SOURCE,
                                           now=now),
        "#play",
    )  # fmt: skip


@router.get("/incidents/{incident_id}/plays", response_class=HTMLResponse)
def suggested_plays(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    """The incident page's card of its service's plays (fetched when the page loads)."""
    with context(request).db.read() as session:
        incident = incidents.get(session, incident_id)
        plays = queries.suggested_plays(session, incident)
    return page(request, "incidents/_plays_list.html", i=incident, plays=plays)


@router.get("/plays/{play_id}", response_class=HTMLResponse)
def play_page(play_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    with context(request).db.read() as session:
        play = queries.play(session, play_id)
        service = queries.service_name(session, play.service_id)
    return page(
        request, "postmortems/play.html", play=play, service=service,
        body=rendering.to_html(play.markdown),
    )  # fmt: skip


@router.post("/incidents/{incident_id}/postmortem", response_class=HTMLResponse)
def save(
    incident_id: Id, request: Request, markdown: str = Form(""), _: Principal = Depends(responder)
) -> Response:
    now = context(request).clock.now()
    return _act(
        request, incident_id,
        lambda s, actor: actions.save(s, incident_id, markdown, actor=actor, source=SOURCE,
                                      now=now),
        "#document", markdown=markdown,
    )  # fmt: skip


@router.post("/incidents/{incident_id}/postmortem/preview", response_class=HTMLResponse)
def preview(
    incident_id: Id, request: Request, markdown: str = Form(""), _: Principal = Depends(responder)
) -> Response:
    """The rendered Markdown being typed (htmx swaps it into the preview)."""
    return HTMLResponse(rendering.to_html(markdown[: actions.MAX_MARKDOWN]))


@router.post("/incidents/{incident_id}/postmortem/regenerate", response_class=HTMLResponse)
def regenerate(
    incident_id: Id, request: Request, confirm: str = Form(""), _: Principal = Depends(responder)
) -> Response:
    now = context(request).clock.now()
    return _act(
        request, incident_id,
        lambda s, actor: actions.regenerate(s, incident_id, confirm=bool(confirm), actor=actor,
                                            source=SOURCE, now=now),
        "#document",
    )  # fmt: skip


@router.post("/incidents/{incident_id}/postmortem/publish", response_class=HTMLResponse)
def publish(incident_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    now = context(request).clock.now()
    return _act(
        request, incident_id,
        lambda s, actor: actions.publish(s, incident_id, actor=actor, source=SOURCE, now=now),
        "",
    )  # fmt: skip


@router.get("/incidents/{incident_id}/postmortem.md", response_class=PlainTextResponse)
def export_markdown(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    with context(request).db.read() as session:
        doc = actions.show(session, incident_id)
    return PlainTextResponse(
        doc.markdown, media_type="text/markdown; charset=utf-8",
        headers=download(incident_id, "md"),
    )  # fmt: skip


@router.get("/incidents/{incident_id}/postmortem.html", response_class=HTMLResponse)
def export_html(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    with context(request).db.read() as session:
        doc = actions.show(session, incident_id)
    return HTMLResponse(
        rendering.document(doc.markdown, f"Post-mortem: {doc.title}"),
        headers=download(incident_id, "html"),
    )


@router.post("/incidents/{incident_id}/action-items", response_class=HTMLResponse)
def add_item(
    incident_id: Id,
    request: Request,
    title: str = Form(""),
    owner: str = Form(""),
    due_on: str = Form(""),
    kind: str = Form("prevent"),
    ticket_url: str = Form(""),
    origin: str = Form("incident"),
    _: Principal = Depends(responder),
) -> Response:
    form = {"title": title, "owner": owner, "due_on": due_on, "kind": kind,
            "ticket_url": ticket_url, "origin": origin}  # fmt: skip
    now = context(request).clock.now()

    def act(session: Session, actor: str) -> object:
        spec = items.parsed(items.ItemSpec, {k: v or None for k, v in form.items()})
        return items.add(session, incident_id, spec, actor=actor, source=SOURCE, now=now)

    return _act(request, incident_id, act, "#action-items", item_form=form)


def _incident_of(request: Request, item_id: int) -> int:
    with context(request).db.read() as session:
        return items.get(session, item_id).incident_id


@router.post("/action-items/{item_id}", response_class=HTMLResponse)
def change_item(
    item_id: Id,
    request: Request,
    status: str = Form(""),
    due_on: str = Form(""),
    owner: str = Form(""),
    _: Principal = Depends(responder),
) -> Response:
    incident_id = _incident_of(request, item_id)
    now = context(request).clock.now()

    def act(session: Session, actor: str) -> object:
        change = items.parsed(
            items.ItemChange, {"status": status or None, "due_on": due_on or None,
                               "owner": owner or None},
        )  # fmt: skip
        return items.change(session, item_id, change, actor=actor, source=SOURCE, now=now)

    return _act(request, incident_id, act, "#action-items")


@router.post("/action-items/{item_id}/delete", response_class=HTMLResponse)
def remove_item(item_id: Id, request: Request, _: Principal = Depends(responder)) -> Response:
    incident_id = _incident_of(request, item_id)
    now = context(request).clock.now()
    return _act(
        request, incident_id,
        lambda s, actor: items.remove(s, item_id, actor=actor, source=SOURCE, now=now),
        "#action-items",
    )  # fmt: skip


def meeting_spec(form: dict[str, str]) -> meetings.MeetingSpec:
    errors: list[FieldError] = []
    try:
        starts_at = utc_instant(form["starts_at"], "starts_at")
    except Invalid as error:
        errors, starts_at = error.errors, None
    if starts_at is None and not errors:
        errors.append(FieldError("starts_at", "give the date and time the review starts"))
    if errors:
        raise Invalid(errors)
    attendees = [a.strip() for a in form["attendees"].replace(",", "\n").splitlines()]
    return items.parsed(
        meetings.MeetingSpec,
        {"starts_at": starts_at, "duration_minutes": form["duration_minutes"] or None,
         "location": form["location"] or None, "url": form["url"] or None,
         "attendees": [a for a in attendees if a]},
    )  # fmt: skip


@router.post("/incidents/{incident_id}/review-meeting", response_class=HTMLResponse)
def schedule_meeting(
    incident_id: Id,
    request: Request,
    starts_at: str = Form(""),
    duration_minutes: str = Form("60"),
    location: str = Form(""),
    url: str = Form(""),
    attendees: str = Form(""),
    _: Principal = Depends(responder),
) -> Response:
    form = {"starts_at": starts_at, "duration_minutes": duration_minutes,
            "location": location, "url": url, "attendees": attendees}  # fmt: skip
    ctx = context(request)
    now = ctx.clock.now()

    def act(session: Session, actor: str) -> object:
        return meetings.schedule(
            session, incident_id, meeting_spec(form), actor=actor, source=SOURCE, now=now,
            base_url=ctx.settings.resolved_base_url(), organizer=organizer(ctx.settings),
        )  # fmt: skip

    return _act(request, incident_id, act, "#review", meeting_form=form)


@router.post("/incidents/{incident_id}/review-meeting/cancel", response_class=HTMLResponse)
def cancel_meeting(
    incident_id: Id, request: Request, _: Principal = Depends(responder)
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    return _act(
        request, incident_id,
        lambda s, actor: meetings.cancel(s, incident_id, actor=actor, source=SOURCE, now=now,
                                         base_url=ctx.settings.resolved_base_url()),
        "#review",
    )  # fmt: skip
