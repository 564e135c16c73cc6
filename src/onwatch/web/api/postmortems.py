"""Post-mortems over the API: the document (read by viewers; edited, regenerated and published
by responders), its Markdown and HTML exports, action items, the review meeting, and plays (a
resolution saved as a runbook of the service, suggested on its next incidents). Writes are
audited and on the incident's timeline with source `api`."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.channels.smtp import mail_host
from onwatch.core.errors import NotFound
from onwatch.core.settings import Settings
from onwatch.directory.models import Person
from onwatch.incidents import actions as incidents
from onwatch.postmortems import actions, items, meetings, queries, rendering
from onwatch.postmortems.actions import MAX_MARKDOWN, Document
from onwatch.postmortems.items import ItemChange, ItemSpec
from onwatch.postmortems.meetings import MeetingSpec
from onwatch.postmortems.models import ActionItem, Play
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["postmortems"])
SOURCE = "api"


class PostMortemOut(BaseModel):
    incident_id: int
    title: str
    state: str = Field(description="draft or published.")
    markdown: str
    stored: bool = Field(description="False: the generated draft, not saved by anyone yet.")
    edited: bool = Field(description="People edited it since it was generated.")
    updated_at: datetime | None
    updated_by: str | None
    published_at: datetime | None
    published_by: str | None

    @classmethod
    def of(cls, doc: Document) -> PostMortemOut:
        return cls(**doc.__dict__)


class MarkdownIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: str = Field(min_length=1, max_length=MAX_MARKDOWN)


class RegenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: bool = Field(False, description="Replace people's edits too.")


class ActionItemOut(BaseModel):
    id: int
    incident_id: int
    title: str
    owner: str | None
    owner_name: str | None
    due_on: date | None
    status: str
    kind: str
    ticket_url: str | None
    origin: str
    last_reminded_at: datetime | None


class ActionItemList(BaseModel):
    items: list[ActionItemOut]


class MeetingOut(BaseModel):
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    location: str | None
    url: str | None
    attendees: list[str]
    invited: list[str] = Field(description="Everyone the invitation went to.")
    organizer: str
    cancelled_at: datetime | None


def organizer(settings: Settings) -> str:
    """The address invitations come from: the configured sender's, else onwatch@<host>."""
    _, address = parseaddr(settings.smtp_from or "")
    return address or f"onwatch@{mail_host(settings.resolved_base_url())}"


def _item_list(session: Session, incident_id: int) -> ActionItemList:
    incidents.get(session, incident_id)
    return ActionItemList(
        items=[ActionItemOut(**items.view(i, p)) for i, p in queries.items(session, incident_id)]
    )


def _item(session: Session, item: ActionItem) -> ActionItemOut:
    owner = session.get(Person, item.owner_id) if item.owner_id is not None else None
    return ActionItemOut(**items.view(item, owner))


def _meeting(session: Session, incident_id: int) -> MeetingOut:
    incident = incidents.get(session, incident_id)
    meeting = queries.meeting(session, incident_id)
    if meeting is None:
        raise NotFound(f"incident {incident_id} has no review meeting")
    return MeetingOut(**meetings.view(session, incident, meeting))


@router.get("/incidents/{incident_id}/postmortem")
def get_postmortem(
    incident_id: Id, request: Request, _: Principal = Depends(viewer)
) -> PostMortemOut:
    """The post-mortem, or the draft generated from the incident if nobody saved one yet
    (reading stores nothing). 404 for an unknown incident."""
    with context(request).db.read() as session:
        return PostMortemOut.of(actions.show(session, incident_id))


@router.put("/incidents/{incident_id}/postmortem")
def put_postmortem(
    incident_id: Id, body: MarkdownIn, request: Request, who: Principal = Depends(responder)
) -> PostMortemOut:
    """Save the post-mortem's Markdown (audited)."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        doc = actions.save(
            session, incident_id, body.markdown, actor=who.actor, source=SOURCE,
            now=ctx.clock.now(),
        )  # fmt: skip
        return PostMortemOut.of(doc)


@router.post("/incidents/{incident_id}/postmortem/regenerate")
def regenerate(
    incident_id: Id, body: RegenerateIn, request: Request, who: Principal = Depends(responder)
) -> PostMortemOut:
    """Write the draft again from the incident; 409 if people edited it, unless `confirm`."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        doc = actions.regenerate(
            session, incident_id, confirm=body.confirm, actor=who.actor, source=SOURCE,
            now=ctx.clock.now(),
        )  # fmt: skip
        return PostMortemOut.of(doc)


@router.post("/incidents/{incident_id}/postmortem/publish")
def publish(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> PostMortemOut:
    """Publish the post-mortem (its draft, if nobody saved one); 409 if it already is."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        doc = actions.publish(
            session, incident_id, actor=who.actor, source=SOURCE, now=ctx.clock.now()
        )
        return PostMortemOut.of(doc)


def _document_response(media_type: str) -> dict[int | str, dict[str, Any]]:
    """How an export is documented: its own media type, beside the JSON of a refusal."""
    return {
        200: {
            "description": "The post-mortem.",
            "content": {media_type: {"schema": {"type": "string"}}},
        }
    }


@router.get("/incidents/{incident_id}/postmortem.md", responses=_document_response("text/markdown"))
def export_markdown(
    incident_id: Id, request: Request, _: Principal = Depends(viewer)
) -> PlainTextResponse:
    """The post-mortem as Markdown."""
    with context(request).db.read() as session:
        doc = actions.show(session, incident_id)
    return PlainTextResponse(
        doc.markdown,
        media_type="text/markdown; charset=utf-8",
        headers=download(incident_id, "md"),
    )


@router.get("/incidents/{incident_id}/postmortem.html", responses=_document_response("text/html"))
def export_html(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> HTMLResponse:
    """The post-mortem as a standalone HTML page."""
    with context(request).db.read() as session:
        doc = actions.show(session, incident_id)
    return HTMLResponse(
        rendering.document(doc.markdown, f"Post-mortem: {doc.title}"),
        headers=download(incident_id, "html"),
    )


def download(incident_id: int, extension: str) -> dict[str, str]:
    # Served with the app's Content-Security-Policy: no script runs in it, whatever it holds.
    return {"Content-Disposition": f'inline; filename="postmortem-{incident_id}.{extension}"'}


@router.get("/incidents/{incident_id}/action-items")
def list_items(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> ActionItemList:
    """The incident's action items, oldest first."""
    with context(request).db.read() as session:
        return _item_list(session, incident_id)


@router.post("/incidents/{incident_id}/action-items", status_code=201)
def add_item(
    incident_id: Id, body: ItemSpec, request: Request, who: Principal = Depends(responder)
) -> ActionItemOut:
    """Add an action item (owner by handle; 422 naming the field for an unknown owner or a
    ticket link that is not http(s))."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        item = items.add(
            session, incident_id, body, actor=who.actor, source=SOURCE, now=ctx.clock.now()
        )
        return _item(session, item)


@router.patch("/action-items/{item_id}")
def change_item(
    item_id: Id, body: ItemChange, request: Request, who: Principal = Depends(responder)
) -> ActionItemOut:
    """Change the fields given of an action item (status done or wont_do closes it)."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        item = items.change(
            session, item_id, body, actor=who.actor, source=SOURCE, now=ctx.clock.now()
        )
        return _item(session, item)


@router.delete("/action-items/{item_id}", status_code=204)
def remove_item(item_id: Id, request: Request, who: Principal = Depends(responder)) -> None:
    """Remove an action item."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        items.remove(session, item_id, actor=who.actor, source=SOURCE, now=ctx.clock.now())


@router.get("/incidents/{incident_id}/review-meeting")
def get_meeting(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> MeetingOut:
    """The review meeting; 404 if none was scheduled."""
    with context(request).db.read() as session:
        return _meeting(session, incident_id)


@router.put("/incidents/{incident_id}/review-meeting")
def schedule_meeting(
    incident_id: Id, body: MeetingSpec, request: Request, who: Principal = Depends(responder)
) -> MeetingOut:
    """Schedule the review meeting, or move it (same UID, SEQUENCE + 1): an iCalendar
    METHOD:REQUEST invitation is e-mailed to the commander, the service's owner and the
    `attendees`. 422 naming `starts_at` for a start in the past, `ends_at` for an end before
    the start."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        meetings.schedule(
            session, incident_id, body, actor=who.actor, source=SOURCE, now=ctx.clock.now(),
            base_url=ctx.settings.resolved_base_url(), organizer=organizer(ctx.settings),
        )  # fmt: skip
        out = _meeting(session, incident_id)
    ctx.engine_wakeup.set()
    return out


@router.delete("/incidents/{incident_id}/review-meeting")
def cancel_meeting(
    incident_id: Id, request: Request, who: Principal = Depends(responder)
) -> MeetingOut:
    """Cancel the review meeting: METHOD:CANCEL to everyone invited."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        meetings.cancel(
            session, incident_id, actor=who.actor, source=SOURCE, now=ctx.clock.now(),
            base_url=ctx.settings.resolved_base_url(),
        )  # fmt: skip
        out = _meeting(session, incident_id)
    ctx.engine_wakeup.set()
    return out


class PlayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(
        None, max_length=200, description="The play's title (default: the incident's)."
    )


class PlayOut(BaseModel):
    id: int
    service: str
    title: str
    markdown: str = Field(description="The runbook: what resolved the incident it came from.")
    incident_id: int | None = Field(description="The incident it was saved from.")
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, play: Play, service: str) -> PlayOut:
        return cls(
            id=play.id, service=service, title=play.title, markdown=play.markdown,
            incident_id=play.incident_id, created_at=play.created_at, created_by=play.created_by,
        )  # fmt: skip


class PlaysOut(BaseModel):
    items: list[PlayOut]


@router.post("/incidents/{incident_id}/plays", status_code=201)
def save_play(
    incident_id: Id, body: PlayIn, request: Request, who: Principal = Depends(responder)
) -> PlayOut:
    """Save the post-mortem's resolution as a play of the incident's service: suggested on its
    next incidents. 409 when the incident already was saved as one."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        play = actions.save_play(
            session, incident_id, body.title, actor=who.actor, source=SOURCE, now=ctx.clock.now()
        )
        return PlayOut.of(play, queries.service_name(session, play.service_id))


@router.get("/incidents/{incident_id}/plays")
def suggested_plays(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> PlaysOut:
    """The plays of the incident's service (newest first), but one saved from this incident."""
    with context(request).db.read() as session:
        incident = incidents.get(session, incident_id)
        name = queries.service_name(session, incident.service_id)
        return PlaysOut(
            items=[PlayOut.of(p, name) for p in queries.suggested_plays(session, incident)]
        )


@router.get("/plays/{play_id}")
def get_play(play_id: Id, request: Request, _: Principal = Depends(viewer)) -> PlayOut:
    with context(request).db.read() as session:
        play = queries.play(session, play_id)
        return PlayOut.of(play, queries.service_name(session, play.service_id))
