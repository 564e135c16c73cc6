"""The post-mortem document: its draft until someone saves it, edits as Markdown, regenerating
(which will not overwrite edits unless confirmed) and publishing. In the caller's transaction,
audited and on the incident's timeline with the source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Conflict, Invalid
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident
from onwatch.incidents.transitions import postmortem_settled
from onwatch.postmortems import draft, plays, queries
from onwatch.postmortems.models import Play, PostMortem

MAX_MARKDOWN = 200_000


@dataclass(frozen=True)
class Document:
    """A post-mortem as shown: the stored one, or (`stored` False) the draft it would start as."""

    incident_id: int
    title: str
    state: str
    markdown: str
    stored: bool
    edited: bool
    updated_at: datetime | None
    updated_by: str | None
    published_at: datetime | None
    published_by: str | None


def _document(incident: Incident, pm: PostMortem | None, markdown: str) -> Document:
    if pm is None:
        return Document(
            incident.id, incident.title, "draft", markdown, False, False, None, None, None, None
        )
    return Document(
        incident.id, incident.title, pm.state, pm.markdown, True, pm.edited, pm.updated_at,
        pm.updated_by, pm.published_at, pm.published_by,
    )  # fmt: skip


def show(session: Session, incident_id: int) -> Document:
    """The incident's post-mortem, or its generated draft if none is stored yet (reading
    stores nothing). NotFound for an unknown incident."""
    incident = incidents.get(session, incident_id)
    pm = queries.postmortem(session, incident_id)
    markdown = pm.markdown if pm is not None else draft.draft(queries.facts(session, incident))
    return _document(incident, pm, markdown)


def checked_markdown(markdown: str) -> str:
    if len(markdown) > MAX_MARKDOWN:
        raise Invalid(f"at most {MAX_MARKDOWN} characters (got {len(markdown)})", "markdown")
    # PostgreSQL stores neither NUL nor half a surrogate pair: refuse them on both databases.
    if "\x00" in markdown or any("\ud800" <= c <= "\udfff" for c in markdown):
        raise Invalid(
            "holds a NUL character or half a surrogate pair, which is no text", "markdown"
        )
    if not markdown.strip():
        raise Invalid("write something: a post-mortem cannot be empty", "markdown")
    return markdown.replace("\r\n", "\n")


def ensure(
    session: Session, incident: Incident, *, actor: str, source: str, now: datetime
) -> PostMortem:
    """The incident's stored post-mortem, created from its draft if there is none yet."""
    pm = queries.postmortem(session, incident.id)
    if pm is not None:
        return pm
    # One per incident is the schema's (unique incident_id); callers hold the incident's row
    # lock (incidents.get(for_update=True)), so two first saves at once take turns and the
    # second finds this one.
    pm = PostMortem(
        incident_id=incident.id,
        state="draft",
        markdown=draft.draft(queries.facts(session, incident)),
        edited=False,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    session.add(pm)
    session.flush()
    _audit(session, incident, "create", actor, now, None, {"state": "draft"})
    entry = incidents.note(
        session, incident, kind="postmortem", text="Post-mortem started", actor=actor, now=now
    )
    entry.source = source
    return pm


def save(
    session: Session, incident_id: int, markdown: str, *, actor: str, source: str, now: datetime
) -> Document:
    """Store a person's edit of the Markdown."""
    text = checked_markdown(markdown)
    incident = incidents.get(session, incident_id, for_update=True)
    pm = ensure(session, incident, actor=actor, source=source, now=now)
    before = {"chars": len(pm.markdown), "edited": pm.edited}
    pm.markdown, pm.edited, pm.updated_at, pm.updated_by = text, True, now, actor
    _audit(session, incident, "edit", actor, now, before, {"chars": len(text), "edited": True})
    return _document(incident, pm, pm.markdown)


def regenerate(
    session: Session,
    incident_id: int,
    *,
    confirm: bool,
    actor: str,
    source: str,
    now: datetime,
) -> Document:
    """Write the draft again from the incident as it is now. Conflict when people have edited
    it, unless `confirm`: their edits would be lost."""
    incident = incidents.get(session, incident_id, for_update=True)
    pm = ensure(session, incident, actor=actor, source=source, now=now)
    if pm.edited and not confirm:
        raise Conflict(
            "the post-mortem has been edited; regenerating replaces those edits: confirm to "
            "regenerate anyway"
        )
    pm.markdown = draft.draft(queries.facts(session, incident))
    pm.edited, pm.updated_at, pm.updated_by = False, now, actor
    _audit(session, incident, "regenerate", actor, now, None, {"chars": len(pm.markdown)})
    return _document(incident, pm, pm.markdown)


def publish(
    session: Session, incident_id: int, *, actor: str, source: str, now: datetime
) -> Document:
    """Publish the post-mortem (stored from its draft if nobody saved it yet); Conflict if it
    already is. The incident's post-mortem requirement is then settled."""
    incident = incidents.get(session, incident_id, for_update=True)
    pm = ensure(session, incident, actor=actor, source=source, now=now)
    if pm.state == "published":
        raise Conflict(f"the post-mortem of incident {incident.id} is already published")
    pm.state, pm.published_at, pm.published_by = "published", now, actor
    pm.updated_at, pm.updated_by = now, actor
    _audit(session, incident, "publish", actor, now, {"state": "draft"}, {"state": "published"})
    postmortem_settled(
        session, incident, state="published", reason=None, actor=actor, source=source, now=now
    )
    return _document(incident, pm, pm.markdown)


def save_play(
    session: Session,
    incident_id: int,
    title: str | None,
    *,
    actor: str,
    source: str,
    now: datetime,
) -> Play:
    """Save the post-mortem's resolution (its draft if none is stored) as a play of the
    incident's service, suggested on its next incidents; titled after the incident unless a
    title is given. Invalid `title` when too long; Conflict when the incident already was
    saved as a play."""
    name = " ".join((title or "").split())
    # PostgreSQL stores neither NUL nor half a surrogate pair: refuse them on both databases.
    if len(name) > plays.MAX_TITLE or any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in name):
        raise Invalid(f"at most {plays.MAX_TITLE} characters of text", "title")
    incident = incidents.get(session, incident_id, for_update=True)
    saved = queries.play_of(session, incident.id)
    if saved is not None:
        raise Conflict(f"incident {incident.id} is already saved as play {saved.id}: {saved.title}")
    name = name or incident.title[: plays.MAX_TITLE]
    document = show(session, incident.id)
    play = Play(
        service_id=incident.service_id,
        title=name,
        markdown=plays.play_markdown(
            name, document.markdown, incident_id=incident.id, incident_title=incident.title
        ),
        incident_id=incident.id,
        created_at=now,
        created_by=actor,
    )
    session.add(play)
    session.flush()
    incidents.note(
        session, incident, kind="play", text=f"Saved as a play: {name}", actor=actor, now=now,
        source=source, data={"play": play.id},
    )  # fmt: skip
    _audit(session, incident, "play", actor, now, None, {"play": play.id, "title": name})
    return play


def _audit(
    session: Session,
    incident: Incident,
    verb: str,
    actor: str,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    record(
        session,
        actor=actor,
        action=f"postmortem.{verb}",
        entity_type="postmortem",
        entity_key=str(incident.id),
        at=now,
        before=before,
        after=after,
    )
