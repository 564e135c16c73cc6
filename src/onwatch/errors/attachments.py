"""Attachments sent with events (`attachment` items): read from their item headers, held to a
cap per file and per envelope (those over it are dropped and counted), stored once per event
and file name, and kept while their event is one of its issue's samples."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.core.errors import Invalid, NotFound
from onwatch.errors.envelope import Item
from onwatch.errors.keys import KeyGrant
from onwatch.errors.models import ErrorAttachment, ErrorIssue, ErrorSample

DEFAULT_TYPE = "event.attachment"
OCTET_STREAM = "application/octet-stream"
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,48}"
# A bare type/subtype (RFC 6838 names, no parameters, 99 characters at most as its column
# holds): anything else is served as octet-stream.
_CONTENT_TYPE = re.compile(f"{_TOKEN}/{_TOKEN}")


@dataclass(frozen=True)
class Attachment:
    event_id: str
    filename: str
    content_type: str
    attachment_type: str
    content: bytes


def read(item: Item, headers: dict[str, Any], where: str) -> Attachment | None:
    """The attachment of the envelope's event (its header's event_id), or None for one sent
    without an event to belong to (counted only). A file name is required, as Sentry has it."""
    filename = item.headers.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        raise Invalid("an attachment needs a filename", f"{where}.filename")
    event_id = _event_id(headers.get("event_id"))
    if event_id is None:
        return None
    content_type = item.headers.get("content_type")
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        content_type = OCTET_STREAM
    kind = item.headers.get("attachment_type")
    return Attachment(
        event_id=event_id,
        filename=filename.strip()[:255],
        content_type=content_type.lower(),
        attachment_type=kind[:64] if isinstance(kind, str) and kind else DEFAULT_TYPE,
        content=item.payload,
    )


def _event_id(value: Any) -> str | None:
    """32 hex digits of a UUID (as events' ids are stored), or None for anything else."""
    try:
        return uuid.UUID(value).hex if isinstance(value, str) else None
    except ValueError:
        return None


def within_caps(sizes: list[int], each: int, total: int) -> list[bool]:
    """Which of an envelope's attachments, of these sizes in the order sent, are kept: each
    at most `each` bytes, and together at most `total`."""
    kept, used = [], 0
    for size in sizes:
        fits = size <= each and used + size <= total
        used += size if fits else 0
        kept.append(fits)
    return kept


def keep(session: Session, grant: KeyGrant, value: Attachment, now: datetime) -> None:
    """Store the attachment (a retry of it does nothing), first dropping the service's
    attachments whose events are no longer samples: what is kept follows the sample ring."""
    _prune(session, grant.service_id)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(ErrorAttachment)
        .values(
            service_id=grant.service_id,
            event_id=value.event_id,
            filename=value.filename,
            content_type=value.content_type,
            attachment_type=value.attachment_type,
            size=len(value.content),
            content=value.content,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["service_id", "event_id", "filename"])
    )


def _prune(session: Session, service_id: int) -> None:
    sampled = (
        select(ErrorSample.event_id)
        .join(ErrorIssue, ErrorIssue.id == ErrorSample.issue_id)
        .where(ErrorIssue.service_id == service_id)
    )
    session.execute(
        delete(ErrorAttachment).where(
            ErrorAttachment.service_id == service_id, ErrorAttachment.event_id.not_in(sampled)
        )
    )


def of_events(session: Session, service_id: int, event_ids: list[str]) -> list[Any]:
    """The attachments of these events: rows of every column but the content."""
    if not event_ids:
        return []
    columns = [c for c in ErrorAttachment.__table__.c if c.name != "content"]
    return list(
        session.execute(
            select(*columns)
            .where(
                ErrorAttachment.service_id == service_id, ErrorAttachment.event_id.in_(event_ids)
            )
            .order_by(ErrorAttachment.id)
        )
    )


def attachment(session: Session, attachment_id: int) -> ErrorAttachment:
    found = session.get(ErrorAttachment, attachment_id)
    if found is None:
        raise NotFound(f"no attachment {attachment_id}")
    return found
