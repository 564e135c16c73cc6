"""Action items: added, changed and removed by people, each change audited and on the
incident's timeline with its source. An item belongs to the incident (and to its post-mortem
once there is one); its owner is a person of the directory, named by handle."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.directory.models import Person
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident
from onwatch.postmortems import queries
from onwatch.postmortems.models import ActionItem

Status = Literal["open", "done", "wont_do"]
Kind = Literal["mitigate", "prevent", "process"]
Origin = Literal["incident", "review"]
M = TypeVar("M", bound=BaseModel)
# How the timeline says an item's status changed.
STATUS_CHANGES = {
    "open": "Action item reopened",
    "done": "Action item done",
    "wont_do": "Action item dropped (won't do)",
}


def checked_url(value: str | None) -> str | None:
    """An http(s) URL with a host, or None for an empty one."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return url


class ItemChange(BaseModel):
    """A change to an item: only the fields given are changed (null clears owner, due date
    and ticket)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=500)
    owner: str | None = Field(None, max_length=64, description="A person's handle.")
    due_on: date | None = None
    status: Status | None = None
    kind: Kind | None = None
    ticket_url: str | None = Field(None, max_length=2000, description="http(s) only.")
    origin: Origin | None = None

    @field_validator("ticket_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return checked_url(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("write what is to be done")
        return value.strip() if value is not None else None


class ItemSpec(ItemChange):
    """A new item."""

    title: str = Field(min_length=1, max_length=500)  # type: ignore[assignment]
    status: Status = "open"
    kind: Kind = "prevent"
    origin: Origin = "incident"


def _owner_id(session: Session, handle: str | None) -> int | None:
    if handle is None or not handle.strip():
        return None
    found = session.scalar(select(Person.id).where(Person.handle == handle.strip()))
    if found is None:
        raise Invalid(f"no person with handle {handle.strip()!r}", "owner")
    return found


def view(item: ActionItem, owner: Person | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "incident_id": item.incident_id,
        "title": item.title,
        "owner": owner.handle if owner is not None else None,
        "owner_name": owner.name if owner is not None else None,
        "due_on": item.due_on,
        "status": item.status,
        "kind": item.kind,
        "ticket_url": item.ticket_url,
        "origin": item.origin,
        "last_reminded_at": item.last_reminded_at,
    }


def _state(item: ActionItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner_id": item.owner_id,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "status": item.status,
        "kind": item.kind,
        "ticket_url": item.ticket_url,
        "origin": item.origin,
    }


def add(
    session: Session,
    incident_id: int,
    spec: ItemSpec,
    *,
    actor: str,
    source: str,
    now: datetime,
) -> ActionItem:
    incident = incidents.get(session, incident_id)
    pm = queries.postmortem(session, incident_id)
    item = ActionItem(
        incident_id=incident.id,
        postmortem_id=pm.id if pm is not None else None,
        title=spec.title,
        owner_id=_owner_id(session, spec.owner),
        due_on=spec.due_on,
        status=spec.status,
        kind=spec.kind,
        ticket_url=spec.ticket_url,
        origin=spec.origin,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    _record(session, incident, item, "add", f"Action item added: {item.title}", actor, source,
            now, None, _state(item))  # fmt: skip
    return item


def get(session: Session, item_id: int) -> ActionItem:
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound(f"no action item {item_id}")
    return item


def change(
    session: Session,
    item_id: int,
    changes: ItemChange,
    *,
    actor: str,
    source: str,
    now: datetime,
) -> ActionItem:
    item = get(session, item_id)
    before = _state(item)
    given = changes.model_fields_set
    for name in ("title", "status", "kind", "origin"):
        value = getattr(changes, name)
        if name in given and value is None:
            raise Invalid("cannot be empty", name)
        if value is not None:
            setattr(item, name, value)
    if "owner" in given:
        item.owner_id = _owner_id(session, changes.owner)
    if "due_on" in given:
        item.due_on = changes.due_on
    if "ticket_url" in given:
        item.ticket_url = changes.ticket_url
    after = _state(item)
    if after == before:
        return item
    item.updated_at = now
    incident = incidents.get(session, item.incident_id)
    what = (
        STATUS_CHANGES[item.status]
        if before["status"] != after["status"]
        else "Action item changed"
    )
    _record(session, incident, item, "change", f"{what}: {item.title}", actor, source, now,
            before, after)  # fmt: skip
    return item


def remove(session: Session, item_id: int, *, actor: str, source: str, now: datetime) -> int:
    """Remove the item; the id of its incident."""
    item = get(session, item_id)
    incident = incidents.get(session, item.incident_id)
    before = _state(item)
    _record(session, incident, item, "remove", f"Action item removed: {item.title}", actor,
            source, now, before, None)  # fmt: skip
    session.delete(item)
    return incident.id


def _record(
    session: Session,
    incident: Incident,
    item: ActionItem,
    verb: str,
    text: str,
    actor: str,
    source: str,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    record(
        session,
        actor=actor,
        action=f"action_item.{verb}",
        entity_type="action_item",
        entity_key=str(item.id),
        at=now,
        before=before,
        after=after,
    )
    entry = incidents.note(
        session, incident, kind="action_item", text=text, actor=actor, now=now,
        data={"item": item.id},
    )  # fmt: skip
    entry.source = source


def parsed(model: type[M], values: dict[str, Any]) -> M:
    """`values` (a form's, a command line's) as `model`, or Invalid naming each bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise Invalid(
            [
                FieldError(
                    ".".join(map(str, e["loc"])) or "body", e["msg"].removeprefix("Value error, ")
                )
                for e in error.errors()
            ]
        ) from None
