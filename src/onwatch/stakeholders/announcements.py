"""Release announcements (seed 002's e-mail on release day): the team's announcement template
filled with the release, sent to the same subscriber lists as incident updates, one outbox row
of kind `update` per subscriber (with its unsubscribe headers), in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Invalid
from onwatch.notifications.outbox import Outgoing, write
from onwatch.stakeholders import composer, queries
from onwatch.stakeholders.models import Announcement
from onwatch.stakeholders.updates import Mailing, for_subscriber

MAX_NOTES = 20_000


def _clean(value: str, field: str, limit: int, *, required: bool) -> str:
    written = value.strip()
    if required and not written:
        raise Invalid("cannot be empty", field)
    if len(written) > limit:
        raise Invalid(f"at most {limit} characters (got {len(written)})", field)
    if "\x00" in written or any("\ud800" <= c <= "\udfff" for c in written):
        raise Invalid("holds a NUL character or half a surrogate pair, which is no text", field)
    return written


def compose(
    session: Session, service: str, release: str, *, notes: str, release_at: datetime
) -> tuple[queries.ServiceFacts, composer.Composed]:
    facts = queries.service_by_name(session, service)
    settings = queries.team_settings(session, facts.team_id)
    composed = composer.compose(
        settings.announcement_templates,
        composer.ANNOUNCEMENT_DEFAULTS,
        composer.AnnouncementFacts(
            application=facts.display_name,
            applications=(facts.display_name,),
            release=release,
            notes=notes,
            date=composer.local_date(release_at, facts.zone),
            release_at=composer.local_time(release_at, facts.zone),
        ),
    )
    return facts, composed


def announce(
    session: Session,
    service: str,
    release: str,
    *,
    notes: str = "",
    release_at: datetime | None,
    actor: str,
    now: datetime,
    mailing: Mailing,
) -> Announcement:
    """Announce the release of `service`; Invalid (release, notes) or NotFound (service)
    before anything is written."""
    name = _clean(release, "release", 200, required=True)
    written = _clean(notes, "notes", MAX_NOTES, required=False)
    when = release_at or now
    if when.tzinfo is None:
        raise Invalid("give the time zone (for example 2026-12-01T09:00:00-05:00)", "release_at")
    facts, composed = compose(session, service, name, notes=written, release_at=when)
    addresses = queries.subscribers_of(session, facts)
    row = Announcement(
        service_id=facts.id, release=name, notes=written, author=actor, at=now, release_at=when,
        subject=composed.subject, text_body=composed.text, html_body=composed.html,
        recipients=addresses,
    )  # fmt: skip
    session.add(row)
    session.flush()
    outgoing = []
    for address in addresses:
        text, html, headers = for_subscriber(composed, address, mailing)
        outgoing.append(
            Outgoing(
                key=f"stakeholders:announcement:{row.id}:{address}", kind="update",
                urgency="low", due_at=now, destination={"kind": "email", "address": address},
                label=f"{address} by email: release announcement",
                payload={"title": composed.subject, "text": text, "html": html,
                         "headers": headers},
            )
        )  # fmt: skip
    write(session, outgoing, now)
    record(
        session, actor=actor, action="announcement.create", entity_type="announcement",
        entity_key=str(row.id), at=now, before=None,
        after={"service": facts.name, "release": name, "subject": composed.subject,
               "recipients": addresses},
    )  # fmt: skip
    return row
